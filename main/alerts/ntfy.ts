// The ntfy channel: JSON publishing to the server's root (so titles with °C need no header
// encoding), a self-hosted base URL as a setting, and an access token from the secret store.
import { postOnce, withRetries, type AlertChannel, type RetryOptions } from './channel.ts';

const PRIORITY = { info: 3, warning: 4, error: 5 } as const;

export function ntfyChannel(options: { baseUrl: string; topic: string; token: string | null; retry?: RetryOptions }): AlertChannel {
  const root = options.baseUrl.replace(/\/+$/, '');
  return {
    kind: 'ntfy',
    send: (message) => {
      const resolved = message.state === 'resolved';
      const body = JSON.stringify({
        topic: options.topic,
        title: resolved ? `Resolved: ${message.title}` : message.title,
        message: `${message.body}\n— ${message.deviceName}`,
        priority: resolved ? 3 : PRIORITY[message.level],
        tags: [resolved ? 'white_check_mark' : message.level === 'info' ? 'information_source' : 'warning', 'io-worker'],
      });
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (options.token) headers.authorization = `Bearer ${options.token}`;
      return withRetries(() => postOnce(root, body, headers), options.retry);
    },
  };
}
