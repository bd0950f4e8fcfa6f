// Builds the owner's channels from the settings group and the secret store. Secrets never sit in
// settings: each channel's lives under its own key here.
import type { AlertChannelKind, AlertSettings } from '../../preload/contract/index.ts';
import { ALERT_CHANNELS } from '../../preload/contract/index.ts';
import type { SecretStore } from '../settings/secrets.ts';
import type { AlertChannel, RetryOptions } from './channel.ts';
import { emailChannel } from './email.ts';
import { ntfyChannel } from './ntfy.ts';
import { telegramChannel } from './telegram.ts';
import { webhookChannel } from './webhook.ts';

/** The secret store key of each channel's secret. */
export const SECRET_KEYS: Record<AlertChannelKind, string> = {
  webhook: 'alerts.webhook.secret',
  ntfy: 'alerts.ntfy.token',
  telegram: 'alerts.telegram.token',
  email: 'alerts.email.password',
};

export type ChannelSetup = { ok: true; channel: AlertChannel } | { ok: false; why: string };

/** One channel as configured, enabled or not (a test alert may go through a disabled one). */
export async function setUpChannel(kind: AlertChannelKind, settings: AlertSettings, secrets: SecretStore, retry?: RetryOptions): Promise<ChannelSetup> {
  const secret = await secrets.get(SECRET_KEYS[kind]);
  switch (kind) {
    case 'webhook':
      if (!settings.webhook.url) return { ok: false, why: 'The webhook has no URL yet.' };
      return { ok: true, channel: webhookChannel({ url: settings.webhook.url, secret, retry }) };
    case 'ntfy':
      if (!settings.ntfy.topic) return { ok: false, why: 'ntfy has no topic yet.' };
      return { ok: true, channel: ntfyChannel({ baseUrl: settings.ntfy.baseUrl, topic: settings.ntfy.topic, token: secret, retry }) };
    case 'telegram':
      if (!settings.telegram.chatId) return { ok: false, why: 'Telegram has no chat id yet.' };
      if (!secret) return { ok: false, why: 'Telegram needs the bot token (from @BotFather).' };
      return { ok: true, channel: telegramChannel({ baseUrl: settings.telegram.baseUrl, token: secret, chatId: settings.telegram.chatId, retry }) };
    case 'email': {
      const { host, port, secure, user, from, to } = settings.email;
      if (!host || !to) return { ok: false, why: 'E-mail needs an SMTP server and an address to send to.' };
      return { ok: true, channel: emailChannel({ host, port, secure, user, password: secret, from: from ?? to, to, retry }) };
    }
  }
}

/** The channels that are on and set up; those that are on but not set up, with why. */
export async function enabledChannels(settings: AlertSettings, secrets: SecretStore, retry?: RetryOptions): Promise<{ channels: AlertChannel[]; problems: { kind: AlertChannelKind; why: string }[] }> {
  const channels: AlertChannel[] = [];
  const problems: { kind: AlertChannelKind; why: string }[] = [];
  for (const kind of ALERT_CHANNELS) {
    if (!settings[kind].enabled) continue;
    const setup = await setUpChannel(kind, settings, secrets, retry);
    if (setup.ok) channels.push(setup.channel);
    else problems.push({ kind, why: setup.why });
  }
  return { channels, problems };
}
