// The Alerter against a real webhook receiver: one message per cause per period, "resolved" when it
// clears, each delivery in the notifications history with its channel and result, sent at once.
import { afterEach, describe, expect, it } from 'vitest';
import type { AlertSettings, Notice } from '../../preload/contract/index.ts';
import { defaultSettings } from '../settings/schema.ts';
import { Alerter } from './alerter.ts';
import { startHttpReceiver, type HttpReceiver } from './testing/receivers.ts';
import { webhookChannel } from './webhook.ts';

let receiver: HttpReceiver | null = null;
afterEach(async () => {
  await receiver?.close();
  receiver = null;
});

async function setup(overrides: Partial<AlertSettings> = {}) {
  receiver = await startHttpReceiver();
  const url = receiver.url;
  let now = 1_700_000_000_000;
  const settings: AlertSettings = { ...defaultSettings().alerts, webhook: { enabled: true, url }, repeatMinutes: 60, ...overrides };
  const notices: Notice[] = [];
  const alerter = new Alerter({
    settings: () => settings,
    channels: async () => ({ channels: [webhookChannel({ url, secret: 'k', retry: { initialMs: 10, maxMs: 20 } })], problems: [{ kind: 'telegram', why: 'Telegram needs the bot token (from @BotFather).' }] }),
    device: () => ({ id: 'dev-1', name: 'rig' }),
    record: (n) => notices.push(n),
    now: () => now,
  });
  return { alerter, notices, settings, advance: (ms: number) => (now += ms), bodies: () => receiver!.received.map((r) => JSON.parse(r.body) as { text: string; state: string }) };
}

describe('Alerter', () => {
  it('sends once per cause and key per period, counts the rest, and says "resolved" when it clears', async () => {
    const { alerter, advance, bodies } = await setup();
    const started = Date.now();
    await alerter.raise('gpu-limit', 'gpu-temperature:GPU-1', { level: 'warning', title: 'GPU 0 is running hot', body: '91 °C' });
    expect(Date.now() - started).toBeLessThan(2000);
    expect(await alerter.raise('gpu-limit', 'gpu-temperature:GPU-1', { level: 'warning', title: 'GPU 0 is running hot', body: '92 °C' })).toBeNull();
    // Another key of the same cause is its own alert.
    await alerter.raise('gpu-limit', 'gpu-power:GPU-1', { level: 'warning', title: 'GPU 0 draws more power than your limit', body: '300 W' });
    advance(61 * 60_000);
    await alerter.raise('gpu-limit', 'gpu-temperature:GPU-1', { level: 'warning', title: 'GPU 0 is running hot', body: '93 °C' });
    await alerter.resolve('gpu-limit', 'gpu-temperature:GPU-1', 'Back within your limits.');
    expect(await alerter.resolve('gpu-limit', 'gpu-temperature:GPU-1', 'again')).toBeNull();
    await alerter.settled();
    expect(bodies().map((b) => b.text)).toEqual([
      'GPU 0 is running hot',
      'GPU 0 draws more power than your limit',
      'GPU 0 is running hot',
      'Resolved: GPU 0 is running hot',
    ]);
    expect(JSON.parse(receiver!.received[2].body).body).toBe('93 °C (1 more time since the last message)');
  });

  it('sends one raise and one resolve per period for a cause that flaps', async () => {
    const { alerter, advance, bodies } = await setup({ repeatMinutes: 10 });
    const game = { level: 'warning' as const, title: 'paused: game.exe is using GPU 0', body: '' };
    for (let i = 0; i < 5; i++) {
      await alerter.raise('paused', 'gaming', game);
      advance(30_000);
      await alerter.resolve('paused', 'gaming', 'Resumed.');
      advance(30_000);
    }
    expect(bodies().map((b) => b.text)).toEqual(['paused: game.exe is using GPU 0', 'Resolved: paused: game.exe is using GPU 0']);
    advance(10 * 60_000);
    await alerter.raise('paused', 'gaming', game);
    expect(bodies()).toHaveLength(3);
  });

  it('keeps each delivery, and each channel it could not use, in the notifications history', async () => {
    const { alerter, notices } = await setup();
    await alerter.raise('block-failed', 'blocks', { level: 'warning', title: 'Block 7 failed', body: 'POTL: 1 of 3 answered' });
    expect(notices.map((n) => [n.title, n.level])).toEqual(
      expect.arrayContaining([
        ['Alert sent by webhook', 'info'],
        ['Alert not sent by Telegram', 'warning'],
      ]),
    );
    expect(notices.find((n) => n.title === 'Alert sent by webhook')!.body).toBe('“Block 7 failed”: delivered (HTTP 200)');
    expect(notices.find((n) => n.title === 'Alert not sent by Telegram')!.body).toMatch(/not set up: Telegram needs the bot token/);
    receiver!.answers.push(403);
    await alerter.raise('eligibility-lost', 'device', { level: 'warning', title: 'No longer eligible', body: 'x' });
    expect(notices.at(-1)).toMatchObject({ title: 'Alert not sent by webhook', level: 'warning' });
    expect(notices.at(-1)!.body).toMatch(/refused: HTTP 403/);
    expect(new Set(notices.map((n) => n.id)).size).toBe(notices.length);
  });

  it('sends nothing for a rule the owner turned off, and one-shot causes every time', async () => {
    const { alerter, bodies } = await setup({ rules: { 'block-failed': false } });
    expect(await alerter.raise('block-failed', 'blocks', { level: 'warning', title: 'Block 7 failed', body: '' })).toBeNull();
    await alerter.raise('payout-received', 'h1', { level: 'info', title: 'Payout received: 3 IO', body: '' });
    await alerter.raise('payout-received', 'h1', { level: 'info', title: 'Payout received: 3 IO', body: '' });
    expect(alerter.isOpen('payout-received', 'h1')).toBe(false);
    expect(bodies().map((b) => b.text)).toEqual(['Payout received: 3 IO', 'Payout received: 3 IO']);
  });
});
