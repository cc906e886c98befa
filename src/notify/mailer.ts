/**
 * The SMTP side: one pooled nodemailer transport per process, built from `FLOWGATE_SMTP_URL`. Files and URLs are
 * never fetched by nodemailer: attachments arrive as bytes (see attachments.ts).
 */
import type { Transporter } from 'nodemailer';

import type { OutgoingMail } from './render-mail.js';

export interface SentMail {
  readonly messageId: string;
  /** The server's last answer (`250 OK …`). */
  readonly response: string;
}

export interface Mailer {
  send(mail: OutgoingMail): Promise<SentMail>;
  close(): void;
}

/** Why a send failed, and whether trying again can help: 5xx answers are final, the rest (4xx, network) are not. */
export function isPermanentSmtpError(error: unknown): boolean {
  const code = (error as { responseCode?: unknown } | null)?.responseCode;
  return typeof code === 'number' && code >= 500 && code < 600;
}

/** `smtp://user:pass@host:port` (STARTTLS when offered) or `smtps://…` (TLS from the start). */
export function smtpOptions(url: string) {
  const parsed = new URL(url);
  if (parsed.protocol !== 'smtp:' && parsed.protocol !== 'smtps:') {
    throw new Error('the SMTP URL must start with smtp:// or smtps://');
  }
  const secure = parsed.protocol === 'smtps:';
  const user = decodeURIComponent(parsed.username);
  return {
    host: parsed.hostname.replace(/^\[|\]$/g, ''),
    port: parsed.port ? Number(parsed.port) : secure ? 465 : 587,
    secure,
    ...(user ? { auth: { user, pass: decodeURIComponent(parsed.password) } } : {}),
    // A few connections, each reused for many mails: 500 requests raised at once is 500 mails in seconds.
    pool: true as const,
    maxConnections: 5,
    maxMessages: 100,
    // Bounded: a server that stops answering fails the attempt, which is retried later.
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 30_000,
  };
}

/**
 * The transport is made on the first send: nodemailer is loaded only by processes that mail (it adds about 15 MB to
 * a process's RSS, which a Flowgate without mail, or W4's 10,000 paused runs, should not carry).
 */
export function createSmtpMailer(url: string): Mailer {
  const options = smtpOptions(url);
  let transport: Promise<Transporter> | undefined;
  const open = () =>
    (transport ??= import('nodemailer').then(({ default: nodemailer }) =>
      nodemailer.createTransport(options),
    ));
  return {
    async send(mail) {
      const info = await (
        await open()
      ).sendMail({
        from: mail.from,
        to: [...mail.to],
        cc: [...mail.cc],
        bcc: [...mail.bcc],
        subject: mail.subject,
        text: mail.text,
        ...(mail.html ? { html: mail.html } : {}),
        messageId: mail.messageId,
        attachments: mail.attachments.map((a) => ({
          filename: a.filename,
          content: a.content,
          ...(a.contentType ? { contentType: a.contentType } : {}),
        })),
        disableFileAccess: true,
        disableUrlAccess: true,
      });
      return { messageId: info.messageId, response: info.response ?? '' };
    },
    close() {
      void transport?.then((t) => t.close());
    },
  };
}
