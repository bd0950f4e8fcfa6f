// `io-worker`: the command line of the worker runtime, under plain Node (no Electron needed).
import fs from 'node:fs';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { bootWorker, NetworkChoiceError, type BootedWorker } from './boot.ts';
import { createCore } from './core.ts';
import { startHeadlessServer } from './headless/server.ts';
import { COORDINATOR_OPTIONS, DEVNET_USAGE, DevnetUsageError, HIRE_OPTIONS, runCoordinator, runHire } from './devnet/command.ts';
import { EXPORT_OPTIONS, EXPORT_USAGE, ExportUsageError, runExport } from './ledger/export-command.ts';
import { createProbes } from './probes/index.ts';
import { RENDERER_DIR, defaultDataDir } from './paths.ts';
import { confBackend } from './settings/conf-backend.ts';
import { openSecretStore, memoryStore } from './settings/secrets.ts';
import { SettingsStore, memoryBackend } from './settings/store.ts';
import { VERSION } from './version.ts';

export const USAGE = `io-worker ${VERSION}: lend this machine's GPU/CPU to a compute network, and watch it.

Usage: io-worker <command> [options]

Commands:
  serve     Run the worker headless and serve the dashboard (loopback by default).
              --host <addr>      address to bind (default 127.0.0.1)
              --port <n>         port (default 7420; 0 picks a free one)
              --data-dir <dir>   settings and history (default ${defaultDataDir()})
              --secrets-file     keep secrets in a 0600 file when no OS keychain answers
              --network <url>    join this coordinator (default: the network in Settings, else an embedded devnet)
  probe     Print this machine's hardware inventory and one live telemetry frame.
              --json             as JSON on stdout
${DEVNET_USAGE}${EXPORT_USAGE}  help      Show this text.

Environment:
  IO_WORKER_NVIDIA_SMI   path of the nvidia-smi to use (default: found on PATH)
`;

export class UsageError extends Error {}

interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
}

const COMMANDS: Record<string, ParseArgsConfig['options']> = {
  serve: {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '7420' },
    'data-dir': { type: 'string' },
    'secrets-file': { type: 'boolean', default: false },
    network: { type: 'string' },
  },
  probe: { json: { type: 'boolean', default: false } },
  coordinator: COORDINATOR_OPTIONS,
  hire: HIRE_OPTIONS,
  export: EXPORT_OPTIONS,
  help: {},
};

export function parseCommand(argv: string[]): {
  command: string;
  values: Record<string, string | boolean | undefined>;
  positionals?: string[];
} {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h') return { command: 'help', values: {} };
  if (command === '--version' || command === '-v') return { command: 'version', values: {} };
  const options = COMMANDS[command];
  if (!options) throw new UsageError(`Unknown command: ${command}`);
  try {
    const { values, positionals } = parseArgs({ args: rest, options, strict: true, allowPositionals: command === 'export' });
    return { command, values: values as Record<string, string | boolean | undefined>, positionals };
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

function parsePort(text: string): number {
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be 0..65535, not ${text}`);
  return port;
}

async function serve(values: Record<string, string | boolean | undefined>, io: Io): Promise<() => Promise<void>> {
  const port = parsePort(String(values.port));
  const dataDir = String(values['data-dir'] ?? defaultDataDir());
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  let worker: BootedWorker;
  try {
    worker = await bootWorker({
      runtime: 'headless',
      dataDir,
      settingsBackend: confBackend(dataDir),
      openSecrets: () => openSecretStore({ service: 'io-worker', dataDir, allowPlaintextFile: values['secrets-file'] === true }),
      network: values.network === undefined ? undefined : String(values.network),
      warn: (message) => io.err(`warning: ${message}\n`),
    });
  } catch (error) {
    if (error instanceof NetworkChoiceError) throw new UsageError(`--network: ${error.message}`);
    throw error;
  }
  const { core, secrets, network } = worker;
  const server = await startHeadlessServer({
    host: String(values.host),
    port,
    rendererDir: RENDERER_DIR,
    dispatch: core.dispatch,
    events: core.events,
  }).catch(async (error: NodeJS.ErrnoException) => {
    await worker.close();
    if (error.code === 'EADDRINUSE') {
      throw new Error(`Port ${port} is in use: is another io-worker running? Pick another with --port (0 = any free port).`);
    }
    throw error;
  });
  try {
    await core.start();
  } catch (error) {
    // A worker that cannot start must not linger half-started: stop what did start, then say why.
    await server.close();
    await worker.close();
    throw error;
  }
  io.out(`IO Worker is running headless (device ${core.identity.deviceId}).\n`);
  io.out(`Data: ${dataDir}\nSecrets: ${secrets.reason}\n`);
  io.out(`Network: ${core.devnetUrl() ? `embedded devnet at ${core.devnetUrl()}` : network}\n`);
  io.out(`Open the dashboard: ${server.url}\n`);
  const exposed = exposureWarning(String(values.host));
  if (exposed) io.err(exposed);
  return async () => {
    await server.close();
    await worker.close();
  };
}

/** What binding beyond loopback exposes, said when it is asked for. */
export function exposureWarning(host: string): string | null {
  if (/^(127\.|localhost$|::1$|\[::1\]$)/.test(host)) return null;
  const where = host === '0.0.0.0' || host === '::' ? 'every network this machine is on' : `the network at ${host}`;
  return `warning: the dashboard is reachable from ${where}. Anyone who has the link with its token can see this machine's hardware, earnings and wallet, pause the worker and change its settings; traffic is plain HTTP, so the token can be read on the way. Prefer --host 127.0.0.1 and an SSH tunnel.\n`;
}

async function probe(values: Record<string, string | boolean | undefined>, io: Io): Promise<void> {
  const probes = createProbes();
  // A probe must not touch the user's settings or keychain: everything here lives in memory.
  const core = await createCore({
    dataDir: '',
    runtime: 'headless',
    settings: new SettingsStore(memoryBackend()),
    secrets: memoryStore('probe run'),
    network: null, // a probe never talks to a network
    ...probes,
  });
  await core.start();
  const inventory = await core.handlers['system.inventory']({});
  await new Promise((resolve) => setTimeout(resolve, 1100)); // one full sampling interval
  const frame = core.sampler.tick();
  await core.stop();
  if (values.json) {
    io.out(`${JSON.stringify({ inventory, frame }, null, 2)}\n`);
    return;
  }
  io.out(`${inventory.cpu.brand}: ${inventory.cpu.physicalCores} cores, ${inventory.cpu.threads} threads\n`);
  io.out(`Memory: ${(inventory.memory.totalBytes / 2 ** 30).toFixed(1)} GiB; ${inventory.os.distro} ${inventory.os.release} (${inventory.os.arch})\n`);
  if (inventory.gpus.length === 0) io.out('GPUs: none found\n');
  for (const gpu of inventory.gpus) {
    const sample = frame.gpus.find((g) => g.index === gpu.index);
    const live = sample ? `, ${sample.temperatureC ?? '–'} °C, ${sample.powerW ?? '–'} W` : '';
    io.out(`GPU ${gpu.index}: ${gpu.model}${gpu.vramMiB ? `, ${gpu.vramMiB} MiB` : ''}${live}\n`);
  }
  for (const warning of inventory.warnings) io.err(`warning: ${warning}\n`);
  for (const health of frame.health.filter((h) => h.state !== 'ok')) io.err(`${health.probe} (${health.state}): ${health.detail}\n`);
}

/** Runs a command; resolves to the exit code, or to a stopper for long-running commands. */
export async function runCli(argv: string[], io: Io): Promise<number | (() => Promise<void>)> {
  let parsed;
  try {
    parsed = parseCommand(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.err(`io-worker: ${error.message}\n\n${USAGE}`);
    return 2;
  }
  try {
    switch (parsed.command) {
      case 'help':
        io.out(USAGE);
        return 0;
      case 'version':
        io.out(`${VERSION}\n`);
        return 0;
      case 'probe':
        await probe(parsed.values, io);
        return 0;
      case 'serve':
        return await serve(parsed.values, io);
      case 'coordinator':
        return await runCoordinator(parsed.values, io);
      case 'hire':
        return await runHire(parsed.values, io);
      case 'export': {
        const dataDir = String(parsed.values['data-dir'] ?? defaultDataDir());
        const { rows, file } = await runExport(parsed.positionals ?? [], parsed.values, dataDir, io.out);
        io.err(`${rows} rows${file ? ` written to ${file}` : ''}.\n`);
        return 0;
      }
      default:
        io.err(USAGE);
        return 2;
    }
  } catch (error) {
    if (error instanceof UsageError || error instanceof ExportUsageError || error instanceof DevnetUsageError) {
      io.err(`io-worker: ${error.message}\n\n${USAGE}`);
      return 2;
    }
    io.err(`io-worker: ${(error as Error).message}\n`);
    return 1;
  }
}

export async function main(argv = process.argv.slice(2)): Promise<void> {
  const io: Io = { out: (t) => process.stdout.write(t), err: (t) => process.stderr.write(t) };
  const outcome = await runCli(argv, io);
  if (typeof outcome === 'number') {
    process.exitCode = outcome;
    return;
  }
  // The last guard of a long-running command: a stray rejection is logged, and the worker keeps
  // serving (going offline would cost the owner the uptime streak). Handlers catch their own first.
  process.on('unhandledRejection', (reason) => {
    io.err(`io-worker: unexpected error (still running): ${(reason as Error)?.stack ?? String(reason)}\n`);
  });
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    await outcome();
    process.exit(0);
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
}
