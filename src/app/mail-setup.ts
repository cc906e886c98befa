/**
 * Mail settings as `createFlowgate` takes them (the CLI fills them from FLOWGATE_SMTP_URL, FLOWGATE_MAIL_FROM,
 * FLOWGATE_PUBLIC_URL and the attachment settings), checked together and filled with defaults.
 */
import { smtpOptions } from '../notify/mailer.js';
import type { MailSettings, OutboxSenderOptions } from '../notify/outbox-sender.js';
import { FlowgateError } from '../shared/errors.js';

export interface MailOptions {
  /** `smtp://user:pass@host:port` or `smtps://…`; without it nothing is mailed. */
  readonly smtpUrl?: string;
  /** The From of every mail (`Flowgate <flowgate@example.com>`). */
  readonly from?: string;
  /** Where people reach this Flowgate (`https://flowgate.example.com`): links are built on it. */
  readonly publicUrl?: string;
  /** The only folder attachments may come from; without it mails carry none. */
  readonly attachmentsDir?: string;
  /** The most a mail's attachments may weigh together (default 10 MiB). */
  readonly attachmentsMaxBytes?: number;
  /** How long a decision link lives (default 7 days; a request's own timeout ends it sooner). */
  readonly linkTtlMs?: number;
  /** Tries per message before it is marked failed (default 8). */
  readonly maxAttempts?: number;
  /** The delivery loop: poll interval, sender lease, batch size, backoff between tries. */
  readonly delivery?: Partial<Omit<OutboxSenderOptions, 'senderId'>>;
}

export interface MailSetup {
  readonly smtpUrl: string;
  readonly settings: MailSettings;
  readonly maxAttempts: number;
  readonly delivery: Omit<OutboxSenderOptions, 'senderId'>;
}

const DAY_MS = 86_400_000;

/** The checked setup, or undefined when mail is off; CONFIG_INVALID listing every problem. */
export function mailSetup(options: MailOptions | undefined): MailSetup | undefined {
  if (!options?.smtpUrl) return undefined;
  const problems: string[] = [];
  try {
    smtpOptions(options.smtpUrl);
  } catch (error) {
    problems.push(`FLOWGATE_SMTP_URL: ${(error as Error).message}`);
  }
  if (!options.from) problems.push('FLOWGATE_MAIL_FROM is required to send mail');
  let publicUrl = '';
  if (!options.publicUrl) {
    problems.push('FLOWGATE_PUBLIC_URL is required to send mail (links are built on it)');
  } else {
    try {
      const url = new URL(options.publicUrl);
      if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new Error();
      publicUrl = url.toString().replace(/\/+$/, '');
    } catch {
      problems.push('FLOWGATE_PUBLIC_URL must be an http(s) URL');
    }
  }
  if (problems.length > 0) {
    throw new FlowgateError(
      'CONFIG_INVALID',
      `Invalid mail configuration: ${problems.join('; ')}`,
      {
        details: { problems },
      },
    );
  }
  return {
    smtpUrl: options.smtpUrl,
    settings: {
      from: options.from!,
      publicUrl,
      attachments: {
        ...(options.attachmentsDir ? { dir: options.attachmentsDir } : {}),
        maxBytes: options.attachmentsMaxBytes ?? 10 * 1024 * 1024,
      },
      linkTtlMs: options.linkTtlMs ?? 7 * DAY_MS,
    },
    maxAttempts: options.maxAttempts ?? 8,
    delivery: deliveryDefaults(options),
  };
}

/** The delivery loop's settings, also used without mail (webhooks go through the same outbox). */
export function deliveryDefaults(
  options: MailOptions | undefined,
): Omit<OutboxSenderOptions, 'senderId'> {
  return {
    pollMs: options?.delivery?.pollMs ?? 5_000,
    leaseMs: options?.delivery?.leaseMs ?? 60_000,
    batch: options?.delivery?.batch ?? 50,
    // 5 s, 10 s, 20 s … up to an hour: eight tries span about ten minutes, enough for a restarting mail server.
    backoff: options?.delivery?.backoff ?? { backoffMs: 5_000, maxBackoffMs: 3_600_000 },
  };
}
