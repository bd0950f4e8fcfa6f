// The worker's alert rules over the core's real parts (event bus, pause arbiter) and a real webhook
// receiver: what becomes an alert, what resolves it, and the idle-use warning from the network's params.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Notice } from '../../preload/contract/index.ts';
import { Coordinator } from '../devnet/coordinator.ts';
import { resolveParams } from '../devnet/params.ts';
import { EventBus } from '../events.ts';
import { frameAt } from '../ledger/testing/frames.ts';
import { defaultSettings } from '../settings/schema.ts';
import { PauseArbiter } from '../worker/pause.ts';
import { Alerter } from './alerter.ts';
import { fetchNetworkRules, IdleUseWatch } from './idle-use.ts';
import { attachAlertSources, noticeCause, tapRewardSink, watchdogNotice, type SessionView } from './sources.ts';
import { startHttpReceiver, type HttpReceiver } from './testing/receivers.ts';
import { webhookChannel } from './webhook.ts';

let receiver: HttpReceiver | null = null;
const dirs: string[] = [];
afterEach(async () => {
  await receiver?.close();
  receiver = null;
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

async function rig(version = '1.2.0', previous: string | null = null) {
  receiver = await startHttpReceiver();
  const url = receiver.url;
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'alert-rules-'));
  dirs.push(dataDir);
  if (previous) fs.writeFileSync(path.join(dataDir, 'alerts-state.json'), JSON.stringify({ version: previous }));
  const events = new EventBus();
  const pauses = new PauseArbiter();
  const notices: Notice[] = [];
  let session: SessionView | null = null;
  const alerter = new Alerter({
    settings: () => defaultSettings().alerts,
    channels: async () => ({ channels: [webhookChannel({ url, secret: null })], problems: [] }),
    device: () => ({ id: 'dev-1', name: 'rig' }),
    record: (n) => notices.push(n),
  });
  const off = attachAlertSources(alerter, { events, pauses, session: () => session, dataDir, version });
  const texts = async () => {
    await alerter.settled();
    return receiver!.received.map((r) => (JSON.parse(r.body) as { text: string }).text);
  };
  return { events, pauses, alerter, off, texts, dataDir, setSession: (s: SessionView) => (session = s) };
}

const session = (eligible: boolean, uptime: { ok: boolean; remainingSeconds?: number }, hire: SessionView['hire'] = null): SessionView => ({
  connection: 'online',
  trust: null,
  hire,
  eligible,
  checks: [{ id: 'uptime', ok: uptime.ok, detail: uptime.ok ? 'Up 6 h.' : 'Up 0 h of the 5 h needed.', remainingSeconds: uptime.remainingSeconds }, { id: 'wallet', ok: eligible, detail: eligible ? 'Set.' : 'No wallet set.' }],
});

describe('alert rules', () => {
  it('maps the fault monitor\'s notices to causes', () => {
    const n = (id: string) => noticeCause({ id, t: 1, level: 'warning', title: '', body: '' });
    expect(n('gpu-temperature:GPU-abc:1700')).toEqual({ cause: 'gpu-limit', key: 'gpu-temperature:GPU-abc', resolved: false });
    expect(n('gpu-lost:index:0:1700')).toEqual({ cause: 'gpu-lost', key: 'index:0', resolved: false });
    expect(n('gpu-back:index:0:1700')).toEqual({ cause: 'gpu-lost', key: 'index:0', resolved: true });
    expect(n('gpu-telemetry-silent:1700')).toMatchObject({ cause: 'gpu-lost', key: 'telemetry' });
    expect(n('ledger-1-2')).toBeNull();
    expect(n('alert-1-2')).toBeNull();
  });

  it('alerts a limit, a lost GPU, a gaming pause and a lost eligibility, and resolves each when it clears', async () => {
    const r = await rig();
    r.events.emit('notice', { id: 'gpu-temperature:GPU-1:100', t: 100, level: 'warning', title: 'GPU 0 is running hot', body: '91 °C for 12 s' });
    r.pauses.set('limits', 'GPU 0 is running hot');
    r.events.emit('notice', { id: 'gpu-lost:GPU-2:100', t: 100, level: 'error', title: 'GPU 1 (RTX 4090) stopped reporting', body: '…' });
    r.pauses.set('gaming', 'game.exe is using GPU 0');
    r.setSession(session(true, { ok: true }));
    r.events.emit('status', {} as never);
    r.setSession(session(false, { ok: false, remainingSeconds: 18_000 }));
    r.events.emit('status', {} as never);
    expect(await r.texts()).toEqual([
      'GPU 0 is running hot',
      'GPU 1 (RTX 4090) stopped reporting',
      'paused: game.exe is using GPU 0',
      'No longer eligible for blocks',
      'The uptime streak was reset',
    ]);
    r.pauses.set('limits', null);
    r.pauses.set('gaming', null);
    r.events.emit('notice', { id: 'gpu-back:GPU-2:200', t: 200, level: 'info', title: 'GPU 1 (RTX 4090) is back', body: '' });
    r.setSession(session(true, { ok: true }));
    r.events.emit('telemetry', frameAt(300, 1));
    expect((await r.texts()).slice(5).sort()).toEqual([
      'Resolved: GPU 0 is running hot',
      'Resolved: GPU 1 (RTX 4090) stopped reporting',
      'Resolved: No longer eligible for blocks',
      'Resolved: The uptime streak was reset',
      'Resolved: paused: game.exe is using GPU 0',
    ]);
    r.off();
  });

  it('alerts a new Xid error (not those from before the start), and a GPU at 0 % for 5 min under a hire', async () => {
    const r = await rig();
    const frame = (t: number, util: number, xids: number[]) => {
      const f = frameAt(t, 1);
      f.gpus[0].utilizationPct = util;
      f.gpus[0].health = {
        checkedAt: t, severity: 'ok', problems: [], unavailable: {},
        ecc: { mode: 'enabled', volatile: { corrected: 0, uncorrected: 0 }, aggregate: { corrected: 0, uncorrected: 0 } },
        retiredPages: { singleBit: 0, doubleBit: 0, pending: false }, remappedRows: { correctable: 0, uncorrectable: 0, pending: false, failed: false },
        pcie: { generation: 4, maxGeneration: 4, width: 16, maxWidth: 16, replays: 0 },
        xid: xids.map((xid) => ({ xid, at: t, pciBusId: '0000:01:00', pid: 4242, processName: 'python3', message: 'pid=4242, Ch 00000008' })),
      };
      r.events.emit('telemetry', f);
    };
    frame(0, 50, [13]); // seen at start: not news
    frame(1000, 50, [13, 79]);
    r.setSession(session(true, { ok: true }, { hireId: 'h-9' }));
    frame(2000, 0, [13, 79]);
    frame(2000 + 4 * 60_000, 0, [13, 79]);
    expect(await r.texts()).toHaveLength(1);
    frame(2000 + 5 * 60_000, 0, [13, 79]);
    frame(2000 + 6 * 60_000, 40, [13, 79]);
    const texts = await r.texts();
    expect(texts).toEqual(['GPU 0 reported Xid 79', 'The GPU sits at 0 % under a hire', 'Resolved: The GPU sits at 0 % under a hire']);
    expect(JSON.parse(receiver!.received[0].body).body).toMatch(/Xid 79, .*\(process python3\)/);
    r.off();
  });

  it('alerts a watchdog part that failed (not each restart), once, and resolves it when the part is back', async () => {
    const r = await rig();
    expect(watchdogNotice({ id: 'watchdog-restart:session:1-0', t: 1, level: 'warning', title: '', body: '' })).toBeNull();
    expect(watchdogNotice({ id: 'watchdog-failed:pump:1-0', t: 1, level: 'error', title: '', body: '' })).toBeNull();
    r.events.emit('notice', { id: 'watchdog-restart:session:100-0', t: 100, level: 'warning', title: 'The network session restarted', body: 'stalled' });
    r.events.emit('notice', { id: 'watchdog-failed:session:200-1', t: 200, level: 'error', title: 'The network session failed', body: 'It was restarted 5 times in 10 min.' });
    r.events.emit('notice', { id: 'watchdog-failed:session:300-2', t: 300, level: 'error', title: 'The network session failed', body: 'again' });
    r.events.emit('notice', { id: 'watchdog-failed:hire:300-3', t: 300, level: 'error', title: 'The hired workload failed', body: 'ended as failed' });
    r.events.emit('notice', { id: 'watchdog-back:session:400-4', t: 400, level: 'info', title: 'The network session is running again', body: '' });
    expect(await r.texts()).toEqual(['The network session failed', 'The hired workload failed', 'Resolved: The network session failed']);
    r.off();
  });

  it('alerts a failed block with its cause, a payout, and an installed update once', async () => {
    const r = await rig('1.3.0', '1.2.0');
    const recorded: string[] = [];
    const sink = tapRewardSink(r.alerter, {
      recordBlockReward: (_d: string, b: { block: number; status: 'Completed' | 'Failed'; reason: string | null; closedAt: number }) => void recorded.push(`block ${b.block}`),
      recordPayout: (_d: string, p: { hireId: string; amount: number; hours: number; at: number }) => void recorded.push(`payout ${p.hireId}`),
      recordHire: () => {},
    });
    sink.recordBlockReward('dev-1', { block: 7, status: 'Failed', reason: 'POTL: answered 1 of 3 challenges', closedAt: 1000 });
    sink.recordBlockReward('dev-1', { block: 8, status: 'Completed', reason: null, closedAt: 2000 });
    sink.recordPayout('dev-1', { hireId: 'h-1', amount: 4.5, hours: 3, at: 3000 });
    expect(recorded).toEqual(['block 7', 'block 8', 'payout h-1']);
    expect(await r.texts()).toEqual(['Updated to 1.3.0', 'Block 7 failed', 'Resolved: Block 7 failed', 'Payout received: 4.50 IO']);
    expect(JSON.parse(receiver!.received[1].body).body).toBe('POTL: answered 1 of 3 challenges');
    expect(JSON.parse(fs.readFileSync(path.join(r.dataDir, 'alerts-state.json'), 'utf8'))).toEqual({ version: '1.3.0' });
    r.off();
  });
});

describe('idle use against the network\'s thresholds', () => {
  it('reads them from a real coordinator and warns once, halfway through the sustain time, never while hired', async () => {
    const coordinator = await Coordinator.start({ dataDir: null, params: resolveParams({ idleUse: { gpuPct: 30, cpuPct: 90, sustainSeconds: 600, warnShare: 0.8 } }) });
    try {
      const rules = await fetchNetworkRules(coordinator.url);
      expect(rules).toEqual({ idleUse: { gpuPct: 30, cpuPct: 90, sustainSeconds: 600, warnShare: 0.8 }, minUptimeSeconds: 5 * 3600 });
      const thresholds = rules.idleUse;
      let hired = false;
      const notices: Notice[] = [];
      const watch = new IdleUseWatch({ thresholds: () => thresholds, hired: () => hired, notice: (n) => notices.push(n) });
      const at = (t: number, gpuPct: number) => {
        const frame = frameAt(t, 1);
        frame.gpus[0].utilizationPct = gpuPct;
        watch.observe(frame);
      };
      at(0, 10);
      expect(watch.current()).toBeNull(); // far from the limit: nothing for Home to say
      at(0, 25); // 25 % ≥ 80 % of 30 %: an episode starts
      at(299_000, 25);
      expect(notices).toHaveLength(0);
      expect(watch.current()).toEqual({ what: 'gpu', usePct: 25, limitPct: 30, forSeconds: 299, sustainSeconds: 600 }); // Home's line
      at(300_000, 26);
      at(400_000, 27);
      expect(notices).toHaveLength(1);
      expect(notices[0].title).toBe("This machine's own GPU use is close to the network's limit");
      expect(notices[0].body).toMatch(/26 % for 300 s while not hired\. The network suspends devices whose idle use stays above 30 % for 10 min/);
      hired = true;
      at(500_000, 99);
      at(900_000, 99);
      expect(notices).toHaveLength(1);
      expect(watch.current()).toBeNull(); // the use is the hire's
    } finally {
      await coordinator.close();
    }
    expect(await fetchNetworkRules('http://127.0.0.1:9')).toEqual({ idleUse: null, minUptimeSeconds: null });
  });
});
