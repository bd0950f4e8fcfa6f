// The Telegram channel: the Bot API's sendMessage, the bot token from the secret store; the base
// URL is a setting (a local receiver in tests, a proxy where api.telegram.org is blocked).
import { messageText, postOnce, withRetries, type AlertChannel, type RetryOptions } from './channel.ts';

export function telegramChannel(options: { baseUrl: string; token: string; chatId: string; retry?: RetryOptions }): AlertChannel {
  const url = `${options.baseUrl.replace(/\/+$/, '')}/bot${options.token}/sendMessage`;
  return {
    kind: 'telegram',
    send: async (message) => {
      const body = JSON.stringify({ chat_id: options.chatId, text: messageText(message), disable_web_page_preview: true });
      const delivery = await withRetries(() => postOnce(url, body, { 'content-type': 'application/json' }), options.retry);
      // The token is part of the URL: keep it out of anything shown or stored.
      return { ...delivery, detail: delivery.detail.split(options.token).join('…') };
    },
  };
}
