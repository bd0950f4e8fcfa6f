import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Status, TelemetryFrame } from '../../preload/contract/index.ts';
import { testCore } from '../../test/core-fixture.ts';
import { FaultMonitor } from '../probes/faults.ts';
import { shownChecks, shownStreak, statusFor, versionControlService } from './runtime.ts';
import type { ClientState } from './client.ts';

const frame = (temperatureC: number, powerW = 200): TelemetryFrame => ({
  t: Date.now(),
  cpu: { utilizationPct: 10, temperatureC: null, packagePowerW: null },
  memory: { usedBytes: 1, totalBytes: 2 },
  network: { rxBytesPerSec: null, txBytesPerSec: null, rxTotalBytes: null, txTotalBytes: null },
  gpus: [{
    index: 0, uuid: 'GPU-1', model: 'H100', temperatureC, hotspotC: null, memoryTemperatureC: null, powerW, powerLimitW: null,
    utilizationPct: 90, memoryUtilizationPct: null, encoderPct: null, decoderPct: null, vramUsedMiB: null, vramTotalMiB: null,
    clocksMHz: { graphics: null, sm: null, memory: null }, fanPct: null, pstate: null, throttleReasons: [], pcie: { generation: null, width: null },
    energyJ: null, unavailable: {},
  }],
  health: [],
});

describe('fault pause', () => {
  it('pauses after a sustained over-limit reading, not a spike, and resumes only once cooled by a margin', () => {
    const limits = { gpuTemperatureC: 80, gpuHotspotC: 120, gpuMemoryTemperatureC: 120, gpuPowerW: 300 };
    // The same monitor that raises the notices decides the pause (sustained = 2 s here).
    const fp = new FaultMonitor({ limits: () => limits, sustainMs: 2000 });
    let t = 1_000_000;
    const observe = (temperatureC: number, powerW?: number) => {
      const before = fp.pauseReason();
      fp.observe({ ...frame(temperatureC, powerW), t: (t += 1000) });
      return fp.pauseReason() !== before;
    };
    expect(observe(85)).toBe(false);
    expect(observe(70)).toBe(false); // a spike resets
    observe(85);
    observe(86);
    expect(observe(87)).toBe(true);
    expect(fp.pauseReason()).toBe('GPU 0 at 87 °C, over your 80 °C limit');
    expect(observe(79)).toBe(false); // under the limit but not by the margin
    expect(observe(76)).toBe(true);
    expect(fp.pauseReason()).toBeNull();
    for (let i = 0; i < 3; i++) observe(60, 350);
    expect(fp.pauseReason()).toMatch(/GPU 0 at 350 W, over your 300 W limit/);
  });
});

describe('status sentences', () => {
  const base = {
    detail: 'x', eligible: null, checks: [], checksAt: null, tier: null, paused: null, buffered: 0, lastResult: null, hire: null, services: [], trust: null, trustPending: null,
    offline: null, streak: null, minUptimeSeconds: null,
  };
  it('is earning only when connected and eligible, and says what is missing otherwise', () => {
    expect(statusFor({ ...base, connection: 'offline', detail: 'Disconnected.' })).toEqual({ state: 'offline', detail: 'Disconnected.' });
    expect(statusFor({ ...base, connection: 'online', eligible: false, checks: [{ id: 'wallet', ok: false, detail: 'No wallet set.' }] }))
      .toEqual({ state: 'idle', detail: 'Connected, not earning yet: No wallet set.' });
    expect(statusFor({ ...base, connection: 'online', eligible: true, tier: 3 }).state).toBe('earning');
    expect(statusFor({ ...base, connection: 'online', eligible: true, paused: { source: 'limits', detail: 'GPU 0 at 91 °C, over your 85 °C limit' } }))
      .toEqual({ state: 'paused', detail: 'Paused by a limit you set: GPU 0 at 91 °C, over your 85 °C limit. Not earning; it resumes by itself when this clears.' });
    expect(statusFor({ ...base, connection: 'online', paused: { source: 'user', detail: '' } }).detail).toBe('Paused by you. Not earning until you resume.');
    expect(statusFor({ ...base, connection: 'online', hire: { hireId: 'h', kind: 'ray' } })).toEqual({ state: 'hired', detail: 'Hired: running a ray workload.' });
  });

  it('shows the updater as the Version Control service', () => {
    expect(versionControlService(null).state).toBe('stopped');
    expect(versionControlService({ state: 'unsupported', detail: 'Headless: update with your package manager.' })).toEqual({ name: 'Version Control', state: 'stopped', detail: 'Headless: update with your package manager.' });
    expect(versionControlService({ state: 'error', detail: 'Feed unreachable.' }).state).toBe('failing');
    expect(versionControlService({ state: 'idle', detail: 'Up to date.' }).state).toBe('running');
  });
});

describe('the core with its embedded devnet', () => {
  let dir: string | null = null;
  afterEach(() => {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
    dir = null;
  });

  it('starts a devnet on loopback, joins it, and answers the network channels', async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'core-net-'));
    const core = await testCore({ dataDir: dir, network: 'embedded' });
    const statuses: Status[] = [];
    core.events.on('status', (s) => statuses.push(s));
    try {
      await core.start();
      expect(core.devnetUrl()).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      await core.worker()!.waitFor((s) => s.connection === 'online' && s.checks.length > 0, 10_000);
      const view = await core.handlers['worker.eligibility']({});
      expect(view).toMatchObject({ network: core.devnetUrl(), connection: 'online' });
      expect(view.checks.find((c) => c.id === 'uptime')!.ok).toBe(false); // the default 5 h rule
      expect(core.status().state).toBe('idle');
      expect(core.status().detail).toMatch(/^Connected, not earning yet:/);
      const { devices } = await core.handlers['network.devices']({});
      expect(devices.map((d) => d.id)).toEqual([core.identity.deviceId]);
      // Rename at the network, signed by the account key; a device the network does not know is refused.
      await core.handlers['network.device']({ action: 'rename', deviceId: core.identity.deviceId, name: 'rig-renamed' });
      expect((await core.handlers['network.devices']({})).devices[0]!.name).toBe('rig-renamed');
      const refused = await core.dispatch('network.device', { action: 'delete', deviceId: 'dev-ffffffffffffffff' });
      expect(refused).toMatchObject({ ok: false, error: { code: 'unavailable', message: expect.stringContaining('404') } });
      const paused = await core.handlers['worker.pause']({ paused: true, reason: 'gaming tonight' });
      expect(paused.paused).toEqual({ source: 'user', detail: 'gaming tonight' });
      expect(paused.pausedBy).toEqual([{ source: 'user', detail: 'gaming tonight' }]);
      expect(core.status()).toMatchObject({ state: 'paused', detail: 'Paused by you: gaming tonight. Not earning until you resume.' });
      // The network hears the typed pause and judges the device not running, in the owner's words.
      await core.worker()!.waitFor((s) => s.checks.some((c) => c.id === 'running' && !c.ok), 5000);
      const running = core.worker()!.state().checks.find((c) => c.id === 'running')!;
      expect(running.detail).toBe('Paused by you: gaming tonight. A paused device earns nothing until the pause ends.');
      expect((await core.handlers['worker.pause']({ paused: false })).paused).toBeNull();
      expect(statuses.some((s) => s.state === 'starting')).toBe(true);
    } finally {
      await core.stop();
    }
    expect(fs.existsSync(path.join(dir, 'devnet', 'devnet.sqlite'))).toBe(true);
  });

  it('reports an unreachable network once, and keeps "since" while it retries', async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'core-net-'));
    const core = await testCore({ dataDir: dir, network: 'http://127.0.0.1:9' }); // refuses at once
    const statuses: Status[] = [];
    core.events.on('status', (s) => statuses.push(s));
    try {
      await core.start();
      await core.worker()!.waitFor((s) => s.connection === 'offline', 5_000);
      await new Promise((r) => setTimeout(r, 3_000)); // a few retries
    } finally {
      await core.stop();
    }
    const offline = statuses.filter((s) => s.state === 'offline');
    expect(offline.length).toBeGreaterThan(0);
    expect(new Set(offline.map((s) => s.since)).size).toBe(1);
    // Each status is news: a new state, new words, or the next try's time (the banner's countdown).
    statuses.slice(1).forEach((s, i) => expect([s.state, s.detail, s.offline?.retryAt]).not.toEqual([statuses[i]!.state, statuses[i]!.detail, statuses[i]!.offline?.retryAt]));
    for (const s of offline) {
      expect(s.offline?.cause).toBe('unreachable');
      expect(Math.abs(s.offline!.since - s.since)).toBeLessThan(1000);
      expect(s.offline!.retryAt).toBeGreaterThan(s.offline!.since);
      expect(s.detail).toBe('The network does not answer. Reconnecting on its own.'); // no close code, no error text
    }
  });

  it('runs no network without a data dir (probe, tests)', async () => {
    const core = await testCore();
    await core.start();
    expect(core.worker()).toBeNull();
    expect(core.devnetUrl()).toBeNull();
    expect((await core.handlers['worker.eligibility']({})).connection).toBe('none');
    await core.stop();
  });
});

describe('what the pages show while the network is away', () => {
  const judged = 1_000_000;
  const state = (over: Partial<ClientState>): ClientState => ({
    connection: 'online', detail: 'x', eligible: false, tier: 3, paused: null, buffered: 0, lastResult: null, hire: null, services: [], trust: null, trustPending: null,
    checksAt: judged, minUptimeSeconds: 18_000, offline: null, streak: { seconds: 3600, at: judged },
    checks: [
      { id: 'wallet', ok: true, required: false, detail: 'Not required by this network to earn; set one to be paid out.' },
      { id: 'uptime', ok: false, detail: 'Up for 1 h', remainingSeconds: 14_400 },
      { id: 'proofs', ok: true, detail: 'passed' },
      { id: 'running', ok: true, detail: 'Running.' },
    ],
    ...over,
  });

  it('keeps the countdown and the streak running while online', () => {
    const checks = shownChecks(state({}), null, judged + 60_000);
    expect(checks.map((c) => c.state)).toEqual(['not-required', 'failing', 'ok', 'ok']);
    expect(checks[1]!.remainingSeconds).toBe(14_340);
    expect(shownStreak(state({}), judged + 60_000)).toEqual({ seconds: 3660, at: judged + 60_000, running: true });
  });

  it('shows a rule the network has not judged yet (proofs before the first block) as pending, never a tick', () => {
    const first = state({ checks: [{ id: 'proofs', ok: true, pending: true, detail: 'No block closed yet: the first block\'s proofs decide this.' }] });
    expect(shownChecks(first, null, judged).map((c) => c.state)).toEqual(['pending']);
  });

  it('makes the network-judged rules unknown since the last judgement, and stops the countdown and the streak where the session broke', () => {
    const away = state({ connection: 'offline', offline: { since: judged + 30_000, cause: 'connection-lost', retryAt: judged + 42_000 } });
    const checks = shownChecks(away, null, judged + 540_000);
    expect(checks.map((c) => c.state)).toEqual(['not-required', 'unknown', 'unknown', 'unknown']);
    expect(checks.every((c) => c.knownAt === judged)).toBe(true);
    expect(checks[1]!.remainingSeconds).toBe(14_370); // frozen 30 s after the judgement, where the session broke
    expect(shownStreak(away, judged + 540_000)).toEqual({ seconds: 3630, at: judged + 540_000, running: false });
  });

  it('says a local pause on the running rule at once', () => {
    const checks = shownChecks(state({}), { source: 'user', detail: '' }, judged);
    expect(checks[3]).toMatchObject({ ok: false, state: 'failing', detail: 'Paused by you. Not earning until you resume.' });
  });
});
