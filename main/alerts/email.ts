// The e-mail channel: SMTP through nodemailer, the password from the secret store. Timeouts keep a
// silent server inside the 30 s promise; an authentication refusal is not retried.
import type { Transporter } from 'nodemailer';
import type SMTPTransport from 'nodemailer/lib/smtp-transport';
import { messageText, PermanentFailure, withRetries, type AlertChannel, type RetryOptions } from './channel.ts';

export interface EmailOptions {
  host: string;
  port: number;
  secure: boolean;
  user: string | null;
  password: string | null;
  from: string;
  to: string;
  retry?: RetryOptions;
  /** Tests against a loopback server without a certificate. */
  allowUnverifiedTls?: boolean;
}

export function emailChannel(options: EmailOptions): AlertChannel {
  // nodemailer (about 3 MiB resident) loads at the first e-mail, not in every worker that never sends one.
  let transport: Promise<Transporter<SMTPTransport.SentMessageInfo>> | null = null;
  const connect = () => (transport ??= import('nodemailer').then(({ default: nodemailer }) => nodemailer.createTransport({
    host: options.host,
    port: options.port,
    secure: options.secure,
    auth: options.user ? { user: options.user, pass: options.password ?? '' } : undefined,
    connectionTimeout: 8000,
    greetingTimeout: 8000,
    socketTimeout: 8000,
    tls: options.allowUnverifiedTls ? { rejectUnauthorized: false } : undefined,
  })));
  return {
    kind: 'email',
    send: (message) =>
      withRetries(async () => {
        try {
          const info = await (await connect()).sendMail({
            from: options.from,
            to: options.to,
            subject: `[IO Worker] ${message.state === 'resolved' ? 'Resolved: ' : ''}${message.title}`,
            text: messageText(message),
            headers: { 'X-IO-Worker-Cause': message.cause, 'X-IO-Worker-State': message.state },
          });
          return `delivered (${info.response.slice(0, 80)})`;
        } catch (error) {
          const code = (error as { code?: string; responseCode?: number }).code;
          const status = (error as { responseCode?: number }).responseCode ?? 0;
          const why = error instanceof Error ? error.message : String(error);
          // EAUTH and 5xx answers say the same again; a dropped connection or a 4xx may pass next time.
          if (code === 'EAUTH' || (status >= 500 && status < 600)) throw new PermanentFailure(`refused: ${why}`, { cause: error });
          throw new Error(why, { cause: error });
        }
      }, options.retry),
  };
}
