// `io-worker status`: one screen, like gpustat, from the worker running on a data dir (found
// through its lock, asked over its own HTTP API with the token kept beside it), then the account's
// other machines as the network lists them (network.devices, through the worker). Light on purpose:
// no zod, no core, no probes, so it answers in well under half a second.
import fs from 'node:fs';
import http from 'node:http';
import type { NetworkDevices, NetworkStatus, Status, TelemetryFrame, UptimeStreak, RewardsSummary } from '../../preload/contract/index.ts';
import { formatIO } from '../../preload/contract/amounts.ts';
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
  /** The account's other machines, as the network lists them (Home's "Your devices"). */
  account: AccountMachines;
}

/** One other machine of the account: the network's last live figures for it; null where unknown or quiet. */
export interface AccountMachine {
  deviceId: string;
  name: string | null;
  model: string;
  quantity: number;
  /** The network's word for it: active, idle, hired, offline, blocked. */
  state: NetworkDevices['devices'][number]['status'];
  /** Its last heartbeat, once it went quiet past the network's offline rule. */
  quietSince: number | null;
  temperatureC: number | null;
  powerW: number | null;
  /** GPU utilization; the CPU's for a machine without GPU readings. */
  utilizationPct: number | null;
  /** Paid since 00:00 UTC, the network's day; null from a network that does not say. */
  earnedToday: number | null;
  /** When the network last heard these figures. */
  heardAt: number | null;
}

/**
 * listed: `machines` are the network's rows now; unreachable: the network did not answer, and the
 * worker keeps no copy of the list, so `machines` is empty (never made up); no-network; not-listed:
 * the network does not list this machine (yet), so its account is unknown.
 */
export interface AccountMachines {
  state: 'listed' | 'unreachable' | 'no-network' | 'not-listed';
  detail: string | null;
  account: string | null;
  machines: AccountMachine[];
}

/** The network's list is asked through the worker, which asks the coordinator: bounded to keep status under half a second. */
export const DEVICES_TIMEOUT_MS = 300;

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

/** The worker running on a data dir, found through its lock and asked over its own API with the token kept beside it. */
export function runningWorker(dataDir: string): { pid: number; dashboard: string; ask: <T>(channel: string, args?: unknown, timeoutMs?: number) => Promise<T> } {
  const lock = readLock(dataDir);
  if (!lock || !lockIsLive(lock)) throw new NotRunningError(`IO Worker is not running on ${dataDir} (start it with: io-worker serve --data-dir ${dataDir}).`);
  if (!lock.dashboard || !lock.tokenFile) throw new NotRunningError(`IO Worker (pid ${lock.pid}) on ${dataDir} is starting, or is the desktop app, which serves no status; try again in a moment.`);
  let token: string;
  try {
    token = fs.readFileSync(lock.tokenFile, 'utf8').trim();
  } catch (error) {
    throw new NotRunningError(`The dashboard token ${lock.tokenFile} cannot be read: ${(error as Error).message}`);
  }
  const dashboard = lock.dashboard;
  return { pid: lock.pid, dashboard, ask: <T>(channel: string, args: unknown = {}, timeoutMs = 2000) => rpc<T>(dashboard, token, channel, args, timeoutMs) };
}

export async function readStatus(dataDir: string, timeoutMs = 2000): Promise<StatusReport> {
  const worker = runningWorker(dataDir);
  const lock = { pid: worker.pid, dashboard: worker.dashboard };
  const ask = <T>(channel: string, args: unknown = {}) => worker.ask<T>(channel, args, timeoutMs);
  const optional = <T>(p: Promise<T>) => p.catch(() => null);
  try {
    const [status, network, streak, earnings, frames, devices] = await Promise.all([
      ask<Status>('system.status'),
      ask<NetworkStatus>('worker.eligibility'),
      optional(ask<UptimeStreak>('uptime.streak')),
      optional(ask<RewardsSummary>('rewards.summary', { days: 1 })),
      optional(ask<TelemetryFrame[]>('telemetry.recent', { seconds: 3 })),
      worker.ask<NetworkDevices>('network.devices', {}, Math.min(timeoutMs, DEVICES_TIMEOUT_MS)).catch((error: Error) => error),
    ]);
    const account = accountMachines(status.deviceId, network, devices);
    return { dataDir, pid: lock.pid, dashboard: lock.dashboard, status, network, streak, earnings, frame: frames?.at(-1) ?? null, account };
  } catch (error) {
    throw new NotRunningError(`IO Worker (pid ${lock.pid}) did not answer at ${lock.dashboard}: ${(error as Error).message}`);
  }
}

/** The other machines of this machine's account in the network's list, or why there are none to show. */
export function accountMachines(ownId: string, network: NetworkStatus, answer: NetworkDevices | Error): AccountMachines {
  if (network.connection === 'none') return { state: 'no-network', detail: network.detail, account: null, machines: [] };
  if (answer instanceof Error) return { state: 'unreachable', detail: answer.message, account: null, machines: [] };
  const own = answer.devices.find((d) => d.id === ownId);
  if (!own?.account) return { state: 'not-listed', detail: null, account: null, machines: [] };
  const machines = answer.devices
    .filter((d) => d.account === own.account && d.id !== ownId)
    .map((d): AccountMachine => {
      const quietSince = d.fleet?.quietSince ?? null;
      // A quiet machine's figures would be old: none are shown, as on Home.
      const t = quietSince === null ? (d.fleet?.telemetry ?? null) : null;
      return {
        deviceId: d.id,
        name: d.name,
        model: d.model,
        quantity: d.quantity,
        state: d.status,
        quietSince,
        temperatureC: t?.gpuTempC ?? null,
        powerW: t?.powerW ?? null,
        utilizationPct: t ? (t.gpuPct ?? t.cpuPct) : null,
        earnedToday: d.fleet?.earnedToday ?? null,
        heardAt: t?.at ?? null,
      };
    });
  return { state: 'listed', detail: null, account: own.account, machines };
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
  const lastText = last ? `#${last.block} ${last.status === 'Completed' ? 'passed' : 'failed'}${last.reward ? ` +${formatIO(last.reward)}` : ''}${last.reason ? ` (${last.reason})` : ''}` : 'none yet';
  const today = earnings ? formatIO(earnings.totals.today) : '–';
  lines.push(`Last block: ${lastText}   Today: ${today}   Network: ${network.connection}${network.bufferedHeartbeats ? `, ${network.bufferedHeartbeats} heartbeats buffered` : ''}`);
  if (!frame || frame.gpus.length === 0) lines.push(frame ? 'GPUs:      none found' : 'GPUs:      no telemetry yet');
  for (const gpu of frame?.gpus ?? []) {
    const power = `${n(gpu.powerW)} / ${n(gpu.powerLimitW)} W`;
    const memory = `${n(gpu.vramUsedMiB)} / ${n(gpu.vramTotalMiB)} MB`;
    lines.push(`[${gpu.index}] ${gpu.model.padEnd(24)} | ${n(gpu.temperatureC).padStart(3)}°C, ${n(gpu.utilizationPct).padStart(3)} % | ${power.padStart(13)} | ${memory}`);
  }
  lines.push(...formatAccount(report.account));
  return `${lines.join('\n')}\n`;
}

const coins = (value: number | null) => formatIO(value);

/** After this machine's screen: one line per other machine of the account, or why none are shown. */
export function formatAccount(account: AccountMachines, now = Date.now()): string[] {
  if (account.state === 'no-network') return ['Account:   this worker runs without a network, so it has no account machines to list.'];
  if (account.state === 'not-listed') return ['Account:   the network does not list this machine yet; its other machines show once it does.'];
  if (account.state === 'unreachable') {
    return [`Account:   the network cannot be reached (${account.detail}); the worker keeps no list of the other machines, so none are shown.`];
  }
  const others = account.machines;
  if (others.length === 0) return [`Account:   ${account.account}: no other machines (pair one: Add New Device, "Add another machine", then serve --pair CODE there).`];
  const lines = [`Account:   ${account.account}: ${others.length} other machine${others.length === 1 ? '' : 's'} (as the network last heard them; today is UTC)`];
  const names = others.map((m) => m.name ?? m.deviceId);
  const width = Math.min(40, Math.max(...names.map((name) => name.length)));
  const states = others.map((m) => (m.quietSince === null ? m.state : `${m.state}, quiet since ${new Date(m.quietSince).toLocaleTimeString()} (${duration((now - m.quietSince) / 1000)})`));
  const stateWidth = Math.max(...states.map((text) => text.length));
  others.forEach((m, i) => {
    // A missing reading is a bare dash, never "–°C".
    const unit = (v: number | null, u: string) => (v === null ? '–' : `${n(v)}${u}`);
    const figures = `${unit(m.temperatureC, '°C').padStart(5)}, ${unit(m.utilizationPct, ' %').padStart(5)} | ${unit(m.powerW, ' W').padStart(6)}`;
    lines.push(`  ${names[i]!.padEnd(width)}  ${m.deviceId}  ${states[i]!.padEnd(stateWidth)} | ${figures} | today ${coins(m.earnedToday)}`);
  });
  return lines;
}
