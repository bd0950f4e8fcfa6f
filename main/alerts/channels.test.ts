// Every channel against a real local receiver: the text, the signature, the retries and the timing.
import crypto from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import type { AlertMessage } from './channel.ts';
import { emailChannel } from './email.ts';
import { ntfyChannel } from './ntfy.ts';
import { telegramChannel } from './telegram.ts';
import { startHttpReceiver, startSmtpReceiver, type HttpReceiver } from './testing/receivers.ts';
import { SIGNATURE_HEADER, webhookChannel } from './webhook.ts';

const message: AlertMessage = {
  cause: 'paused',
  key: 'gaming',
  state: 'raised',
  level: 'warning',
  title: 'paused: game.exe is using GPU 0',
  body: 'The worker steps aside while another program uses the GPU; it resumes 2 min after it ends.',
  t: 1_700_000_000_000,
  deviceId: 'dev-0123456789abcdef',
  deviceName: 'Gaming rig',
};
const fast = { initialMs: 20, maxMs: 40 };

let receiver: HttpReceiver | null = null;
afterEach(async () => {
  await receiver?.close();
  receiver = null;
});

describe('webhook', () => {
  it('POSTs the alert as JSON signed with HMAC-SHA256 over the exact body', async () => {
    receiver = await startHttpReceiver();
    const started = Date.now();
    const delivery = await webhookChannel({ url: `${receiver.url}/hook`, secret: 's3cret' }).send(message);
    expect(delivery).toMatchObject({ ok: true, detail: 'delivered (HTTP 200)', attempts: 1 });
    expect(Date.now() - started).toBeLessThan(2000);
    const [request] = receiver.received;
    expect(request.method).toBe('POST');
    expect(request.path).toBe('/hook');
    expect(request.headers['content-type']).toBe('application/json');
    const expected = `sha256=${crypto.createHmac('sha256', 's3cret').update(request.body).digest('hex')}`;
    expect(request.headers[SIGNATURE_HEADER]).toBe(expected);
    // A body changed on the way no longer matches the signature.
    expect(`sha256=${crypto.createHmac('sha256', 's3cret').update(request.body.replace('GPU 0', 'GPU 1')).digest('hex')}`).not.toBe(expected);
    expect(JSON.parse(request.body)).toMatchObject({ type: 'io-worker.alert', cause: 'paused', state: 'raised', text: 'paused: game.exe is using GPU 0', device: { name: 'Gaming rig' } });
  });

  it('retries a server error with backoff, and does not retry a refusal', async () => {
    receiver = await startHttpReceiver();
    receiver.answers.push(503, 500);
    const retried = await webhookChannel({ url: receiver.url, secret: null, retry: fast }).send(message);
    expect(retried).toMatchObject({ ok: true, attempts: 3 });
    expect(receiver.received).toHaveLength(3);
    expect(receiver.received[0].headers[SIGNATURE_HEADER]).toBeUndefined();
    // The waits between tries come from lib/backoff: at least half the initial delay each.
    expect(receiver.received[2].at - receiver.received[0].at).toBeGreaterThanOrEqual(20);

    receiver.answers.push(401);
    const refused = await webhookChannel({ url: receiver.url, secret: 'x', retry: fast }).send(message);
    expect(refused).toMatchObject({ ok: false, attempts: 1 });
    expect(refused.detail).toMatch(/^refused: HTTP 401/);
    expect(receiver.received).toHaveLength(4);
  });

  it('says why when nothing listens, after its tries, within the time budget', async () => {
    receiver = await startHttpReceiver();
    const url = receiver.url;
    await receiver.close();
    receiver = null;
    const started = Date.now();
    const delivery = await webhookChannel({ url, secret: null, retry: fast }).send(message);
    expect(delivery.ok).toBe(false);
    expect(delivery.detail).toMatch(/ECONNREFUSED.*after 3 tries/);
    expect(Date.now() - started).toBeLessThan(5000);
  });
});

describe('ntfy', () => {
  it('publishes JSON to the base URL with the topic, title, priority and token', async () => {
    receiver = await startHttpReceiver();
    const delivery = await ntfyChannel({ baseUrl: `${receiver.url}/`, topic: 'my-rig', token: 'tk_abc' }).send(message);
    expect(delivery.ok).toBe(true);
    const [request] = receiver.received;
    expect(request.path).toBe('/');
    expect(request.headers.authorization).toBe('Bearer tk_abc');
    expect(JSON.parse(request.body)).toMatchObject({ topic: 'my-rig', title: 'paused: game.exe is using GPU 0', priority: 4 });
    await ntfyChannel({ baseUrl: receiver.url, topic: 'my-rig', token: null }).send({ ...message, state: 'resolved' });
    expect(JSON.parse(receiver.received[1].body)).toMatchObject({ title: 'Resolved: paused: game.exe is using GPU 0', priority: 3 });
    expect(receiver.received[1].headers.authorization).toBeUndefined();
  });
});

describe('telegram', () => {
  it('calls sendMessage with the chat id and the text, and keeps the token out of the detail', async () => {
    receiver = await startHttpReceiver();
    const token = '123456:ABC-secret';
    const ok = await telegramChannel({ baseUrl: receiver.url, token, chatId: '-1001234', retry: fast }).send(message);
    expect(ok.ok).toBe(true);
    const [request] = receiver.received;
    expect(request.path).toBe(`/bot${token}/sendMessage`);
    const body = JSON.parse(request.body) as { chat_id: string; text: string };
    expect(body.chat_id).toBe('-1001234');
    expect(body.text).toMatch(/^paused: game.exe is using GPU 0\nThe worker steps aside/);
    expect(body.text).toContain('Gaming rig (dev-0123456789abcdef)');

    receiver.answers.push(404);
    const refused = await telegramChannel({ baseUrl: `${receiver.url}/${token}`, token, chatId: '1', retry: fast }).send(message);
    expect(refused.ok).toBe(false);
    expect(refused.detail).not.toContain(token);
  });
});

describe('e-mail', () => {
  it('delivers over SMTP to a real server on loopback, logged in with the password', async () => {
    const smtp = await startSmtpReceiver({ user: 'rig', password: 'pw-from-secret-store' });
    try {
      const started = Date.now();
      const delivery = await emailChannel({ host: '127.0.0.1', port: smtp.port, secure: false, user: 'rig', password: 'pw-from-secret-store', from: 'rig@example.test', to: 'owner@example.test' }).send(message);
      expect(delivery).toMatchObject({ ok: true, attempts: 1 });
      expect(Date.now() - started).toBeLessThan(5000);
      expect(smtp.mails).toHaveLength(1);
      const [mail] = smtp.mails;
      expect(mail).toMatchObject({ from: 'rig@example.test', to: ['owner@example.test'], user: 'rig' });
      expect(mail.raw).toMatch(/^Subject: \[IO Worker\] paused: game.exe is using GPU 0\r?$/m);
      expect(mail.raw).toMatch(/^X-IO-Worker-Cause: paused\r?$/im);
      const text = mail.raw.replace(/=\r?\n/g, ''); // quoted-printable soft line breaks
      expect(text).toContain('The worker steps aside while another program uses the GPU');

      const wrong = await emailChannel({ host: '127.0.0.1', port: smtp.port, secure: false, user: 'rig', password: 'wrong', from: 'rig@example.test', to: 'owner@example.test', retry: fast }).send(message);
      expect(wrong.ok).toBe(false);
      expect(wrong.attempts).toBe(1);
      expect(wrong.detail).toMatch(/^refused: .*Invalid username or password/);
      expect(smtp.mails).toHaveLength(1);
    } finally {
      await smtp.close();
    }
  });
});
