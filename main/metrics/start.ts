// Wires the exporter to a running worker: the core's events and status, the network view, the
// ledger's reads; and a listener of its own where asked (`--metrics-listen`, or the app's setting).
import os from 'node:os';
import path from 'node:path';
import { loadOrCreateToken } from '../headless/token-file.ts';
import type { Core } from '../core.ts';
import type { Ledger } from '../ledger/ledger.ts';
import type { SettingsStore } from '../settings/store.ts';
import { VERSION } from '../version.ts';
import { createMetricsExporter, type MetricsExporter } from './exporter.ts';
import { parseListenAddress, startMetricsListener, type MetricsListener } from './listen.ts';

export const METRICS_TOKEN_FILE = 'metrics-token';
const isLoopbackHost = (host: string) => /^(127\.|localhost$|::1$)/.test(host);

export interface WorkerMetrics {
  exporter: MetricsExporter;
  /** The address of the listener of its own, when one runs. */
  listening(): string | null;
  close(): Promise<void>;
}

export function exporterFor(core: Core, ledger: Ledger | null): MetricsExporter {
  return createMetricsExporter({
    hostname: os.hostname(),
    deviceId: core.identity.deviceId,
    version: VERSION,
    events: core.events,
    status: () => core.status(),
    eligibility: () => core.handlers['worker.eligibility']({}),
    ledger,
  });
}

/**
 * `listen` (HOST:PORT from --metrics-listen) always wants the bearer token; the app's setting wants
 * it only off loopback. A change of the setting restarts the listener.
 */
export async function startWorkerMetrics(options: {
  core: Core;
  ledger: Ledger | null;
  settings: SettingsStore;
  dataDir: string;
  listen?: string;
  warn: (message: string) => void;
}): Promise<WorkerMetrics> {
  const exporter = exporterFor(options.core, options.ledger);
  const tokenFile = path.join(options.dataDir, METRICS_TOKEN_FILE);
  const token = () => loadOrCreateToken(tokenFile);
  let fixed: MetricsListener | null = null;
  if (options.listen) {
    const { host, port } = parseListenAddress(options.listen);
    token(); // made (or refused) now, before anything listens
    fixed = await startMetricsListener({ host, port, exporter, token, log: options.warn });
  }
  let fromSettings: MetricsListener | null = null;
  let wanted = '';
  let chain = Promise.resolve();
  const apply = () => {
    const { enabled, listen } = options.settings.get().metrics;
    const next = enabled ? listen : '';
    if (next === wanted) return chain;
    wanted = next;
    chain = chain.then(async () => {
      await fromSettings?.close();
      fromSettings = null;
      if (!next) return;
      try {
        const { host, port } = parseListenAddress(next);
        fromSettings = await startMetricsListener({ host, port, exporter, token: isLoopbackHost(host) ? null : token, log: options.warn });
      } catch (error) {
        options.warn(`metrics are not served on ${next}: ${(error as Error).message}`);
      }
    });
    return chain;
  };
  const off = options.settings.onChange(() => void apply());
  await apply();
  return {
    exporter,
    listening: () => fixed?.url ?? fromSettings?.url ?? null,
    async close() {
      off();
      await chain;
      await fromSettings?.close();
      await fixed?.close();
      exporter.close();
    },
  };
}
