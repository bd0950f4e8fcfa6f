// The "wallet-change-pending" rule over the real alert sources and a real webhook receiver: a waiting
// payout address change is one alert (not one per status), resolved once it is gone.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { EventBus } from '../events.ts';
import { defaultSettings } from '../settings/schema.ts';
import { PauseArbiter } from '../worker/pause.ts';
import { Alerter } from './alerter.ts';
import { attachAlertSources, type SessionView } from './sources.ts';
import { startHttpReceiver, type HttpReceiver } from './testing/receivers.ts';
import { webhookChannel } from './webhook.ts';

let receiver: HttpReceiver | null = null;
let dataDir = '';
afterEach(async () => {
  await receiver?.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

it('alerts a waiting payout address change once, and resolves it when it is gone', async () => {
  receiver = await startHttpReceiver();
  dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'wallet-rule-'));
  const events = new EventBus();
  const alerter = new Alerter({
    settings: () => defaultSettings().alerts,
    channels: async () => ({ channels: [webhookChannel({ url: receiver!.url, secret: null })], problems: [] }),
    device: () => ({ id: 'dev-1', name: 'rig' }),
    record: () => {},
  });
  const change = { deviceId: 'dev-2', deviceName: 'garage rig', wallet: 'NewWa11et', previous: 'OldWa11et', effectiveAt: Date.UTC(2026, 0, 2, 9, 30), requestedBy: 'dev-2', requestedAt: 0 };
  let session: SessionView = { connection: 'online', trust: null, hire: null, eligible: true, checks: [], walletChanges: [change] };
  const off = attachAlertSources(alerter, { events, pauses: new PauseArbiter(), session: () => session, dataDir, version: '1' });
  events.emit('status', {} as never);
  events.emit('status', {} as never);
  await alerter.settled();
  const texts = () => receiver!.received.map((r) => (JSON.parse(r.body) as { text: string }).text);
  expect(texts()).toHaveLength(1);
  expect(texts()[0]).toContain('Payout address changes to NewWa11et at 2026-01-02 09:30 UTC');
  expect(receiver!.received[0]!.body).toContain('garage rig');
  session = { ...session, walletChanges: [] };
  events.emit('status', {} as never);
  await alerter.settled();
  expect(texts()).toHaveLength(2);
  expect(texts()[1]).toMatch(/^Resolved: Payout address changes to NewWa11et/);
  expect(receiver!.received[1]!.body).toContain('took effect or was cancelled');
  off();
});
