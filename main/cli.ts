// `io-worker`: the command line of the worker runtime, under plain Node (no Electron needed).
// Each command loads only what it needs (`await import()` in its case below): `status` and `help`
// must not pay for the core, zod, the probes or the devnet.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { defaultDataDir } from './paths.ts';
import { VERSION } from './version.ts';

type Options = ParseArgsConfig['options'];
type Values = Record<string, string | boolean | undefined>;

const usage = (devnet: string, exportUsage: string) => `io-worker ${VERSION}: lend this machine's GPU/CPU to a compute network, and watch it.

Usage: io-worker <command> [options]

Commands:
  serve     Run the worker headless and serve the dashboard (loopback by default).
              --host <addr>      address to bind (default 127.0.0.1)
              --port <n>         port (default 7420; 0 picks a free one)
              --data-dir <dir>   settings, history and keys (default ${defaultDataDir()})
              --token-file <f>   where the dashboard token is kept (default: dashboard-token in the data dir)
              --secrets-file     keep keys in the data dir's 0600 file even where an OS keychain answers
              --metrics-listen <host:port>  also serve /metrics there, behind the bearer token in metrics-token
              --network <url>    join this coordinator (default: the network in Settings, else an embedded devnet)
              --pair <code>      join the account of the owner who made this one-time code (Add New Device, "Add another machine")
  status    One screen of the running worker: state, streak, earnings, each GPU, the account's other machines.
              --data-dir <dir>   the worker's data dir
              --json             as JSON
              --watch [--interval <s>]  refresh every 2 s (or <s>) until Ctrl-C
  pair      On the owner's machine: a one-time code, and the command that joins another machine to this account.
              --data-dir <dir>   the running worker's data dir
              --json             as JSON
  token     Print the dashboard link of the worker on a data dir.
              --rotate           make a new token (the old link stops working at once)
              --data-dir <dir>, --token-file <f>
  service   install | uninstall: run serve at boot and after a failure: systemd (Linux, logs to the journal), launchd (macOS), Task Scheduler (Windows).
              --data-dir <dir>, --host <addr>, --port <n>
              --print            print the unit instead of installing it
  probe     Print this machine's hardware inventory and one live telemetry frame.
              --json             as JSON on stdout
  account   export | import: back up the owner key, or restore it (a file protected by a passphrase).
              export --out <f>   write the encrypted backup (0600); the passphrase is asked twice
              import <f>         restore it into the data dir (stop its worker first)
              --replace          import over another owner key already in the data dir
              --data-dir <dir>, --secrets-file
${devnet}${exportUsage}  help      Show this text.

Environment:
  IO_WORKER_NVIDIA_SMI   path of the nvidia-smi to use (default: found on PATH)
  IO_WORKER_PASSPHRASE   the owner key backup's passphrase for \`account\`, for scripts (else asked on the terminal)
`;

/** The full usage, with the sections the devnet and export commands keep beside their code. */
export async function fullUsage(): Promise<string> {
  const [devnet, exporter] = await Promise.all([import('./devnet/command.ts'), import('./ledger/export-command.ts')]);
  return usage(devnet.DEVNET_USAGE, exporter.EXPORT_USAGE);
}

export class UsageError extends Error {}

interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
}

const COMMANDS: Record<string, Options> = {
  serve: {
    host: { type: 'string', default: '127.0.0.1' },
    port: { type: 'string', default: '7420' },
    'data-dir': { type: 'string' },
    'token-file': { type: 'string' },
    'secrets-file': { type: 'boolean', default: false },
    'metrics-listen': { type: 'string' },
    network: { type: 'string' },
    pair: { type: 'string' },
  },
  status: {
    'data-dir': { type: 'string' },
    json: { type: 'boolean', default: false },
    watch: { type: 'boolean', default: false },
    interval: { type: 'string', default: '2' },
  },
  pair: { 'data-dir': { type: 'string' }, json: { type: 'boolean', default: false } },
  token: { 'data-dir': { type: 'string' }, 'token-file': { type: 'string' }, rotate: { type: 'boolean', default: false } },
  service: { 'data-dir': { type: 'string' }, host: { type: 'string' }, port: { type: 'string' }, print: { type: 'boolean', default: false } },
  probe: { json: { type: 'boolean', default: false } },
  account: { 'data-dir': { type: 'string' }, out: { type: 'string' }, replace: { type: 'boolean', default: false }, 'secrets-file': { type: 'boolean', default: false } },
  help: {},
};

/** Option tables kept beside their commands' code, loaded only for those commands. */
async function lazyOptions(command: string | undefined): Promise<Record<string, Options>> {
  if (command === 'coordinator' || command === 'hire') {
    const { COORDINATOR_OPTIONS, HIRE_OPTIONS } = await import('./devnet/command.ts');
    return { coordinator: COORDINATOR_OPTIONS, hire: HIRE_OPTIONS };
  }
  if (command === 'export') return { export: (await import('./ledger/export-command.ts')).EXPORT_OPTIONS };
  return {};
}

const POSITIONALS = new Set(['export', 'service', 'account']);

export function parseCommand(argv: string[], more: Record<string, Options> = {}): {
  command: string;
  values: Values;
  positionals?: string[];
} {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h') return { command: 'help', values: {} };
  if (command === '--version' || command === '-v') return { command: 'version', values: {} };
  const options = COMMANDS[command] ?? more[command];
  if (!options) throw new UsageError(`Unknown command: ${command}`);
  try {
    const { values, positionals } = parseArgs({ args: rest, options, strict: true, allowPositionals: POSITIONALS.has(command) });
    return { command, values: values as Values, positionals };
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

const dataDirOf = (values: Values) => String(values['data-dir'] ?? defaultDataDir());

async function probe(values: Values, io: Io): Promise<void> {
  const [{ createCore }, { createProbes }, { memoryStore }, { SettingsStore, memoryBackend }] = await Promise.all([
    import('./core.ts'),
    import('./probes/index.ts'),
    import('./settings/secrets.ts'),
    import('./settings/store.ts'),
  ]);
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

async function status(values: Values, io: Io): Promise<number | (() => Promise<void>)> {
  const { NotRunningError, formatStatus, readStatus } = await import('./headless/status-command.ts');
  const dataDir = dataDirOf(values);
  const once = async () => {
    const report = await readStatus(dataDir);
    return values.json ? `${JSON.stringify(report, null, 2)}\n` : formatStatus(report);
  };
  if (!values.watch) {
    try {
      io.out(await once());
      return 0;
    } catch (error) {
      if (!(error instanceof NotRunningError)) throw error;
      io.err(`io-worker: ${error.message}\n`);
      return 3;
    }
  }
  const seconds = Number(values.interval);
  if (!(seconds >= 0.5 && seconds <= 3600)) throw new UsageError(`--interval must be 0.5..3600 seconds, not ${values.interval}`);
  let timer: NodeJS.Timeout | null = null;
  const tick = async () => {
    const text = await once().catch((error: Error) => `${error.message}\n`);
    io.out(`${values.json ? '' : '\x1b[H\x1b[2J'}${text}`); // clear the screen, as watch(1) does
    timer = setTimeout(tick, seconds * 1000);
  };
  await tick();
  return async () => {
    if (timer) clearTimeout(timer);
  };
}

async function pair(values: Values, io: Io): Promise<number> {
  const [{ NotRunningError }, { formatPairCode, pairCode }] = await Promise.all([import('./headless/status-command.ts'), import('./headless/pair-command.ts')]);
  try {
    const code = await pairCode(dataDirOf(values));
    io.out(values.json ? `${JSON.stringify(code)}\n` : formatPairCode(code));
    return 0;
  } catch (error) {
    // Not running, or the network refused (a paired machine makes no codes; no network): said in its words.
    io.err(`io-worker: ${(error as Error).message}\n`);
    return error instanceof NotRunningError ? 3 : 1;
  }
}

async function token(values: Values, io: Io): Promise<number> {
  const { defaultTokenFile, loadOrCreateToken, rotateToken } = await import('./headless/token-file.ts');
  const { readLock } = await import('./lib/data-dir-lock.ts');
  const dataDir = dataDirOf(values);
  const lock = readLock(dataDir);
  const file = String(values['token-file'] ?? lock?.tokenFile ?? defaultTokenFile(dataDir));
  const value = values.rotate ? rotateToken(file) : loadOrCreateToken(file);
  const base = lock?.dashboard ?? 'http://127.0.0.1:7420/';
  io.out(`${base}?token=${value}\n`);
  if (values.rotate) io.err(`A new token is in ${file}; the old link no longer opens the dashboard.\n`);
  return 0;
}

async function service(values: Values, positionals: string[], io: Io): Promise<number> {
  const { runService } = await import('./headless/service-command.ts');
  const script = new URL('../bin/io-worker.mjs', import.meta.url).pathname;
  if (positionals.length > 1) throw new UsageError(`service takes one action, not ${positionals.join(' ')}`);
  return runService(positionals[0], values as never, { dataDir: dataDirOf(values), script }, io);
}

/** Runs a command; resolves to the exit code, or to a stopper for long-running commands. */
export async function runCli(argv: string[], io: Io): Promise<number | (() => Promise<void>)> {
  let parsed;
  try {
    parsed = parseCommand(argv, await lazyOptions(argv[0]));
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.err(`io-worker: ${error.message}\n\n${await fullUsage()}`);
    return 2;
  }
  try {
    switch (parsed.command) {
      case 'help':
        io.out(await fullUsage());
        return 0;
      case 'version':
        io.out(`${VERSION}\n`);
        return 0;
      case 'probe':
        await probe(parsed.values, io);
        return 0;
      case 'serve':
        return await (await import('./headless/serve-command.ts')).serve(parsed.values, io);
      case 'status':
        return await status(parsed.values, io);
      case 'pair':
        return await pair(parsed.values, io);
      case 'token':
        return await token(parsed.values, io);
      case 'service':
        return await service(parsed.values, parsed.positionals ?? [], io);
      case 'account':
        return await (await import('./headless/account-command.ts')).runAccount(parsed.positionals ?? [], parsed.values, dataDirOf(parsed.values), io);
      case 'coordinator':
        return await (await import('./devnet/command.ts')).runCoordinator(parsed.values, io);
      case 'hire':
        return await (await import('./devnet/command.ts')).runHire(parsed.values, io, { ray: () => import('./worker/ray/demo.ts') });
      case 'export': {
        const { runExport } = await import('./ledger/export-command.ts');
        const { rows, file } = await runExport(parsed.positionals ?? [], parsed.values, dataDirOf(parsed.values), io.out);
        io.err(`${rows} rows${file ? ` written to ${file}` : ''}.\n`);
        return 0;
      }
      default:
        io.err(await fullUsage());
        return 2;
    }
  } catch (error) {
    if (await isUsageError(error)) {
      io.err(`io-worker: ${(error as Error).message}\n\n${await fullUsage()}`);
      return 2;
    }
    io.err(`io-worker: ${(error as Error).message}\n`);
    return 1;
  }
}

/** Usage mistakes of every command, each class loaded only when a command failed. */
async function isUsageError(error: unknown): Promise<boolean> {
  if (error instanceof UsageError) return true;
  const name = (error as Error)?.constructor?.name;
  if (name === 'ServeUsageError') return error instanceof (await import('./headless/serve-command.ts')).ServeUsageError;
  if (name === 'AccountUsageError') return error instanceof (await import('./headless/account-command.ts')).AccountUsageError;
  if (name === 'ServiceError') return error instanceof (await import('./headless/service-command.ts')).ServiceError;
  if (name === 'ExportUsageError') return error instanceof (await import('./ledger/export-command.ts')).ExportUsageError;
  if (name === 'DevnetUsageError') return error instanceof (await import('./devnet/command.ts')).DevnetUsageError;
  return false;
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
