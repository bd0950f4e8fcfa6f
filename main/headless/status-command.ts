// `io-worker status`: one screen, like gpustat, from the worker running on a data dir (found
// through its lock, asked over its own HTTP API with the token kept beside it). Light on purpose:
// no zod, no core, no probes, so it answers in well under half a second.
import fs from 'node:fs';
import http from 'node:http';
import type { NetworkStatus, Status, TelemetryFrame, UptimeStreak, RewardsSummary } from '../../preload/contract/index.ts';
import { PAUSE_SOURCE_WORDS, WORKER_STATE_WORDS } from '../../preload/contract/words.ts';
import { lockIsLive, readLock } from '../lib/data-dir-lock.ts';

export interface StatusReport {
  dataDir: string;
  pid: number;
  dashboard: string;
  status: Status;
  network: NetworkStatus;
  streak: UptimeStreak | null;
  earnings: RewardsSummary | null;
  frame: TelemetryFrame | null;
}

/** The worker is not running, or cannot be asked: exit 3, said in words. */
export class NotRunningError extends Error {}

function rpc<T>(base: string, token: string, channel: string, args: unknown, timeoutMs: number): Promise<T> {
  return new Promise((resolve, reject) => {
    const body = JSON.stringify(args);
    const req = http.request(new URL(`api/rpc/${channel}`, base), {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      timeout: timeoutMs,
    });
    req.on('timeout', () => req.destroy(new Error(`no answer in ${timeoutMs} ms`)));
    req.on('error', reject);
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
      res.on('end', () => {
        try {
          const reply = JSON.parse(text) as { ok: boolean; result?: T; error?: { message: string } };
          if (reply.ok) resolve(reply.result as T);
          else reject(new Error(reply.error?.message ?? `HTTP ${res.statusCode}`));
        } catch {
          reject(new Error(`HTTP ${res.statusCode}`));
        }
      });
    });
    req.end(body);
  });
}

export async function readStatus(dataDir: string, timeoutMs = 2000): Promise<StatusReport> {
  const lock = readLock(dataDir);
  if (!lock || !lockIsLive(lock)) throw new NotRunningError(`IO Worker is not running on ${dataDir} (start it with: io-worker serve --data-dir ${dataDir}).`);
  if (!lock.dashboard || !lock.tokenFile) throw new NotRunningError(`IO Worker (pid ${lock.pid}) on ${dataDir} is starting, or is the desktop app, which serves no status; try again in a moment.`);
  let token: string;
  try {
    token = fs.readFileSync(lock.tokenFile, 'utf8').trim();
  } catch (error) {
    throw new NotRunningError(`The dashboard token ${lock.tokenFile} cannot be read: ${(error as Error).message}`);
  }
  const ask = <T>(channel: string, args: unknown = {}) => rpc<T>(lock.dashboard!, token, channel, args, timeoutMs);
  const optional = <T>(p: Promise<T>) => p.catch(() => null);
  try {
    const [status, network, streak, earnings, frames] = await Promise.all([
      ask<Status>('system.status'),
      ask<NetworkStatus>('worker.eligibility'),
      optional(ask<UptimeStreak>('uptime.streak')),
      optional(ask<RewardsSummary>('rewards.summary', { days: 1 })),
      optional(ask<TelemetryFrame[]>('telemetry.recent', { seconds: 3 })),
    ]);
    return { dataDir, pid: lock.pid, dashboard: lock.dashboard, status, network, streak, earnings, frame: frames?.at(-1) ?? null };
  } catch (error) {
    throw new NotRunningError(`IO Worker (pid ${lock.pid}) did not answer at ${lock.dashboard}: ${(error as Error).message}`);
  }
}

const n = (value: number | null | undefined, digits = 0) => (value === null || value === undefined ? '–' : value.toFixed(digits));

export function duration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h} h ${m % 60} min`;
  return `${Math.floor(h / 24)} d ${h % 24} h`;
}

/** The screen: who and what state (and why), then one line per GPU, as gpustat lays it out. */
export function formatStatus(report: StatusReport, now = Date.now()): string {
  const { status, network, streak, earnings, frame } = report;
  const lines: string[] = [];
  lines.push(`${status.deviceName}  ${status.deviceId}  IO Worker ${status.version}  pid ${report.pid}  ${new Date(now).toLocaleTimeString()}`);
  lines.push(`State:     ${WORKER_STATE_WORDS[status.state]} for ${duration((now - status.since) / 1000)}: ${status.detail}`);
  for (const pause of network.pausedBy) lines.push(`           ${PAUSE_SOURCE_WORDS[pause.source]}${pause.detail ? `: ${pause.detail}` : ''}`);
  const eligible = network.eligible === null ? 'not judged yet' : network.eligible ? `yes${network.tier !== null ? ` (tier ${network.tier})` : ''}` : 'no';
  const failing = network.checks.filter((c) => !c.ok).map((c) => c.detail);
  lines.push(`Streak:    ${streak?.online ? duration(streak.seconds) : 'offline'}   Eligible: ${eligible}${failing.length ? ` (${failing[0]})` : ''}`);
  const last = network.lastBlock;
  const lastText = last ? `#${last.block} ${last.status === 'Completed' ? 'passed' : 'failed'}${last.reward ? ` +${last.reward} IO` : ''}${last.reason ? ` (${last.reason})` : ''}` : 'none yet';
  const today = earnings ? `${earnings.totals.today} IO` : '–';
  lines.push(`Last block: ${lastText}   Today: ${today}   Network: ${network.connection}${network.bufferedHeartbeats ? `, ${network.bufferedHeartbeats} heartbeats buffered` : ''}`);
  if (!frame || frame.gpus.length === 0) lines.push(frame ? 'GPUs:      none found' : 'GPUs:      no telemetry yet');
  for (const gpu of frame?.gpus ?? []) {
    const power = `${n(gpu.powerW)} / ${n(gpu.powerLimitW)} W`;
    const memory = `${n(gpu.vramUsedMiB)} / ${n(gpu.vramTotalMiB)} MB`;
    lines.push(`[${gpu.index}] ${gpu.model.padEnd(24)} | ${n(gpu.temperatureC).padStart(3)}°C, ${n(gpu.utilizationPct).padStart(3)} % | ${power.padStart(13)} | ${memory}`);
  }
  return `${lines.join('\n')}\n`;
}
