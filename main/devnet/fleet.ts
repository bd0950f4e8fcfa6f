// The owner's fleet view: beside each of the owner's own devices in GET /v1/devices, its last live
// heartbeat's figures, what it earned in the network's day (UTC) and, once quiet, since when.
import type { DeviceFleet } from '../../preload/contract/network.ts';
import type { DevicesResponse } from '../worker/explorer-api.ts';
import type { Rooms } from './context.ts';

const DAY_MS = 86_400_000;

/** The network's day starts at 00:00 UTC, as its daily payouts do. */
export function networkDayStart(now: number): number {
  return Math.floor(now / DAY_MS) * DAY_MS;
}

/** Adds `fleet` to the rows the viewer owns (the explorer names only those: `account` is set). */
export function withFleet(c: Rooms, answer: DevicesResponse, now = Date.now()): DevicesResponse {
  if (!answer.devices.some((d) => d.account !== null)) return answer;
  c.sessions.flush(); // the heartbeats waiting for their group commit count too
  const since = networkDayStart(now);
  return { ...answer, devices: answer.devices.map((d) => (d.account === null ? d : { ...d, fleet: fleetOf(c, d.id, d.status === 'offline', since) })) };
}

function fleetOf(c: Rooms, deviceId: string, offline: boolean, since: number): DeviceFleet {
  const beat = c.store.get<{ summary: string; received_at: number }>(
    'SELECT summary, received_at FROM heartbeats WHERE device_id = ? AND buffered = 0 ORDER BY sampled_at DESC LIMIT 1',
    deviceId,
  );
  const earned = c.store.get<{ s: number | null }>(
    "SELECT SUM(bd.reward) AS s FROM block_devices bd JOIN blocks b ON b.id = bd.block_id WHERE bd.device_id = ? AND b.status = 'Completed' AND b.closed_at >= ?",
    deviceId, since,
  )!.s ?? 0;
  return {
    telemetry: beat ? { ...readSummary(beat.summary), at: beat.received_at } : null,
    earnedToday: earned,
    todaySince: since,
    quietSince: offline ? c.devices.get(deviceId)?.last_beat_at ?? null : null,
  };
}

/** What a machine can really read: a worker's figure outside these is a lie or a broken sensor, shown as unknown. */
const PLAUSIBLE = { cpuPct: [0, 100], gpuPct: [0, 100], gpuTempC: [-50, 200], powerW: [0, 100_000] } as const;

/** A stored heartbeat summary; a field that is not a plausible number reads as unknown. */
function readSummary(text: string): Omit<NonNullable<DeviceFleet['telemetry']>, 'at'> {
  let raw: Record<string, unknown> = {};
  try {
    raw = JSON.parse(text) as Record<string, unknown>;
  } catch {
    // a damaged row: every figure unknown
  }
  const num = (field: keyof typeof PLAUSIBLE) => {
    const v = raw[field];
    const [min, max] = PLAUSIBLE[field];
    return typeof v === 'number' && v >= min && v <= max ? v : null;
  };
  return { cpuPct: num('cpuPct'), gpuPct: num('gpuPct'), gpuTempC: num('gpuTempC'), powerW: num('powerW') };
}
