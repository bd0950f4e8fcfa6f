// The webhook channel: a JSON POST signed with HMAC-SHA256 over the exact body, so the receiver can
// check it came from this worker (X-IO-Worker-Signature: sha256=<hex>), retried with backoff.
import crypto from 'node:crypto';
import { postOnce, withRetries, type AlertChannel, type AlertMessage, type RetryOptions } from './channel.ts';

export const SIGNATURE_HEADER = 'x-io-worker-signature';

export function signBody(secret: string, body: string): string {
  return `sha256=${crypto.createHmac('sha256', secret).update(body).digest('hex')}`;
}

/** What the receiver gets: the message, typed, with the text a person reads. */
export function webhookBody(message: AlertMessage): string {
  return JSON.stringify({
    type: 'io-worker.alert',
    cause: message.cause,
    key: message.key,
    state: message.state,
    level: message.level,
    title: message.title,
    text: message.state === 'resolved' ? `Resolved: ${message.title}` : message.title,
    body: message.body,
    t: message.t,
    device: { id: message.deviceId, name: message.deviceName },
  });
}

export function webhookChannel(options: { url: string; secret: string | null; retry?: RetryOptions }): AlertChannel {
  return {
    kind: 'webhook',
    send: (message) => {
      const body = webhookBody(message);
      const headers: Record<string, string> = { 'content-type': 'application/json', 'user-agent': 'io-worker-alerts' };
      if (options.secret) headers[SIGNATURE_HEADER] = signBody(options.secret, body);
      return withRetries(() => postOnce(options.url, body, headers), options.retry);
    },
  };
}
