// The alert requests of the Settings page through the alerts room: a secret kept in the secret store
// (never in settings), a test alert to a real receiver, its result in the history, a clear refusal.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ContractFailure, type Notice } from '../../preload/contract/index.ts';
import { EventBus } from '../events.ts';
import { memoryStore } from '../settings/secrets.ts';
import { memoryBackend, SettingsStore } from '../settings/store.ts';
import { PauseArbiter } from '../worker/pause.ts';
import { createAlerts } from './service.ts';
import { startHttpReceiver, type HttpReceiver } from './testing/receivers.ts';
import { SIGNATURE_HEADER, signBody } from './webhook.ts';

let receiver: HttpReceiver | null = null;
const dirs: string[] = [];
afterEach(async () => {
  await receiver?.close();
  receiver = null;
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

describe('alerts requests', () => {
  it('keeps the secret in the secret store, sends a signed test alert, and lists it in the history', async () => {
    receiver = await startHttpReceiver();
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'alerts-service-'));
    dirs.push(dataDir);
    const settings = new SettingsStore(memoryBackend());
    const secrets = memoryStore('test');
    const events = new EventBus();
    const notices: Notice[] = [];
    events.on('notice', (n) => notices.push(n));
    const alerts = createAlerts({ settings, secrets, events, pauses: new PauseArbiter(), deviceId: 'dev-1', dataDir, version: '1.0.0', session: () => null, networkUrl: () => null });
    const h = alerts.handlers;

    await expect(h['alerts.test']({ channel: 'webhook' })).rejects.toThrow(new ContractFailure('bad-request', 'The webhook has no URL yet.'));
    settings.update({ alerts: { ...settings.get().alerts, webhook: { enabled: false, url: `${receiver.url}/t` } } });
    expect(await h['alerts.secret']({ channel: 'webhook', secret: 'hook-secret' })).toEqual({
      secrets: { webhook: true, ntfy: false, telegram: false, email: false },
      registeredWithNetwork: false,
      idleUse: null,
    });
    expect(JSON.stringify(settings.get())).not.toContain('hook-secret');

    const result = await h['alerts.test']({ channel: 'webhook' });
    expect(result).toMatchObject({ channel: 'webhook', ok: true, detail: 'delivered (HTTP 200)' });
    expect(result.ms).toBeLessThan(5000);
    const [request] = receiver.received;
    expect(request.headers[SIGNATURE_HEADER]).toBe(signBody('hook-secret', request.body));
    expect(JSON.parse(request.body)).toMatchObject({ cause: 'test', text: 'Test alert from IO Worker' });
    expect(notices.map((n) => [n.title, n.body])).toEqual([['Alert sent by webhook', '“Test alert from IO Worker”: delivered (HTTP 200)']]);

    receiver.answers.push(410);
    expect(await h['alerts.test']({ channel: 'webhook' })).toMatchObject({ ok: false, detail: expect.stringMatching(/^refused: HTTP 410/) });
    expect(notices.at(-1)!.title).toBe('Alert not sent by webhook');

    await h['alerts.secret']({ channel: 'webhook', secret: null });
    expect(await secrets.get('alerts.webhook.secret')).toBeNull();
    await expect(h['schedule.check']({ schedule: { enabled: true, timeZone: 'UTC', windows: [{ days: [1], from: '09:00', to: '12:00' }] } })).resolves.toMatchObject({ keepsStreak: false, longestRunHours: 3, weeklyHours: 3 });
  });
});
