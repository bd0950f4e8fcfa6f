// `io-worker serve`: boot the worker on a data dir, serve the dashboard (and /metrics) over HTTP,
// and write where it listens into the data dir's lock, for `io-worker status`.
import fs from 'node:fs';
import { bootWorker, NetworkChoiceError, type BootedWorker } from '../boot.ts';
import { ListenAddressError } from '../metrics/listen.ts';
import { RENDERER_DIR, defaultDataDir } from '../paths.ts';
import { confBackend } from '../settings/conf-backend.ts';
import { openSecretStore } from '../settings/secrets.ts';
import { startHeadlessServer } from './server.ts';
import { pairCodeProblem, pairFromServe } from './serve-pairing.ts';
import { defaultTokenFile, newToken, tokenFromFile } from './token-file.ts';

const DISK_REFUSED = new Set(['EACCES', 'EPERM', 'EROFS', 'ENOSPC', 'EDQUOT', 'EIO']);

export type Values = Record<string, string | boolean | undefined>;
export interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
}

/** A mistake in what was asked: printed with the usage, exit 2. */
export class ServeUsageError extends Error {}

export function parsePort(text: string): number {
  const port = Number(text);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ServeUsageError(`--port must be 0..65535, not ${text}`);
  return port;
}

export async function serve(values: Values, io: Io): Promise<() => Promise<void>> {
  const port = parsePort(String(values.port));
  const pairProblem = pairCodeProblem(values.pair === undefined ? undefined : String(values.pair));
  if (pairProblem) throw new ServeUsageError(pairProblem);
  const dataDir = String(values['data-dir'] ?? defaultDataDir());
  fs.mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const tokenFile = String(values['token-file'] ?? defaultTokenFile(dataDir));
  let worker: BootedWorker;
  try {
    worker = await bootWorker({
      runtime: 'headless',
      dataDir,
      settingsBackend: confBackend(dataDir),
      openSecrets: () =>
        openSecretStore({ service: 'io-worker', dataDir, allowPlaintextFile: true, preferFile: values['secrets-file'] === true }),
      network: values.network === undefined ? undefined : String(values.network),
      metricsListen: values['metrics-listen'] === undefined ? undefined : String(values['metrics-listen']),
      warn: (message) => io.err(`warning: ${message}\n`),
    });
  } catch (error) {
    if (error instanceof NetworkChoiceError) throw new ServeUsageError(`--network: ${error.message}`);
    if (error instanceof ListenAddressError) throw new ServeUsageError(error.message);
    throw error;
  }
  const { core, secrets, network } = worker;
  let token: () => string;
  try {
    token = tokenFromFile(tokenFile, (m) => io.err(`warning: ${m}\n`));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (!code || !DISK_REFUSED.has(code)) {
      await worker.close();
      throw error;
    }
    // A read-only or full disk does not stop the worker: this run's link works, the next start makes another.
    const fixed = newToken();
    token = () => fixed;
    io.err(`warning: the dashboard token cannot be saved in ${tokenFile} (${code}): the link below works until the worker stops\n`);
  }
  const server = await startHeadlessServer({
    host: String(values.host),
    port,
    rendererDir: RENDERER_DIR,
    dispatch: core.dispatch,
    events: core.events,
    token,
    metrics: () => worker.metrics.exporter.scrape(),
  }).catch(async (error: NodeJS.ErrnoException) => {
    await worker.close();
    if (error.code === 'EADDRINUSE') {
      throw new Error(`Port ${port} is in use: is another io-worker running? Pick another with --port (0 = any free port).`);
    }
    throw error;
  });
  core.addViewer(() => server.dashboards() > 0);
  try {
    await core.start();
  } catch (error) {
    // A worker that cannot start must not linger half-started: stop what did start, then say why.
    await server.close();
    await worker.close();
    throw error;
  }
  const dashboard = server.url.replace(/\?token=.*$/, '');
  worker.lock.update({ dashboard, tokenFile, metrics: worker.metrics.listening() });
  io.out(`IO Worker is running headless (device ${core.identity.deviceId}).\n`);
  io.out(`Data: ${dataDir}\nSecrets: ${secrets.reason}\n`);
  io.out(`Network: ${core.devnetUrl() ? `embedded devnet at ${core.devnetUrl()}` : network}\n`);
  io.out(`Metrics: ${dashboard}metrics (Prometheus; open to this machine)${worker.metrics.listening() ? `, and ${worker.metrics.listening()} (bearer token in ${dataDir}/metrics-token)` : ''}\n`);
  io.out(`Open the dashboard: ${server.url}\n`);
  // --pair: join the owner's account; a code the network refuses stops serve with its words.
  const stopPairing = values.pair === undefined ? () => {} : await pairFromServe(core, String(values.pair), io).catch(async (error: unknown) => {
    await server.close();
    await worker.close();
    throw error;
  });
  const exposed = exposureWarning(String(values.host));
  if (exposed) io.err(exposed);
  return async () => {
    stopPairing();
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
