/**
 * What a webhook delivery does, decided without I/O: which subscriptions an event goes to, what the body is, what an
 * answer means, and when the next attempt is due. Pure: the caller passes the clock's reading and the randomness.
 */

/** The event types of API.md ("Webhooks"); a subscription names some of them, or a prefix such as `hitl.*`. */
export const WEBHOOK_EVENT_TYPES = [
  'workflow.started',
  'workflow.paused',
  'workflow.completed',
  'workflow.failed',
  'workflow.cancelled',
  'hitl.requested',
  'hitl.approved',
  'hitl.rejected',
  'hitl.completed',
  'hitl.expired',
  'hitl.cancelled',
  'hitl.escalated',
  /** Seed 002's `custom` output type: the request and its node's `args`, for the receiver to deliver. */
  'hitl.custom',
  'plan.created',
  'plan.approved',
  'plan.rejected',
] as const;

export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

/** Why a subscription's filter entry cannot match anything, or undefined when it is usable. */
export function eventFilterProblem(entry: string): string | undefined {
  if (entry === '*') return undefined;
  if (entry.endsWith('.*')) {
    const prefix = entry.slice(0, -1);
    return WEBHOOK_EVENT_TYPES.some((type) => type.startsWith(prefix))
      ? undefined
      : `No event type starts with ${prefix}`;
  }
  return (WEBHOOK_EVENT_TYPES as readonly string[]).includes(entry)
    ? undefined
    : `Unknown event type ${entry}`;
}

export function matchesEventFilter(filter: readonly string[], type: string): boolean {
  return filter.some(
    (entry) =>
      entry === '*' ||
      entry === type ||
      (entry.endsWith('.*') && type.startsWith(entry.slice(0, -1))),
  );
}

/**
 * The body, built once when the event is enqueued and stored as text: the signature covers these exact bytes, so a
 * retry or a redelivery sends them again rather than serialising anew.
 */
export function webhookBody(type: string, timestamp: string, data: unknown): string {
  return JSON.stringify({ type, timestamp, data });
}

/**
 * Delays before each attempt, after the failure of the one before (Svix's schedule, as the design note picks): the
 * first goes at once, the last about 27.6 h after it. Eight attempts in all.
 */
export const WEBHOOK_RETRY_SCHEDULE_MS: readonly number[] = [
  0,
  5_000,
  5 * 60_000,
  30 * 60_000,
  2 * 3_600_000,
  5 * 3_600_000,
  10 * 3_600_000,
  10 * 3_600_000,
];

// ±20 %: enough that deliveries failing together (a receiver down) do not all return in the same second.
const JITTER = 0.2;

/**
 * The delay before the attempt after `attemptsMade` attempts, or undefined when the schedule is used up.
 * `retryAfterMs` (from a 429 or 503) moves the attempt later, but never past twice the slot, so a receiver cannot
 * park a delivery for days.
 */
export function nextWebhookDelay(
  attemptsMade: number,
  random: number,
  retryAfterMs?: number,
  schedule: readonly number[] = WEBHOOK_RETRY_SCHEDULE_MS,
): number | undefined {
  const slot = schedule[attemptsMade];
  if (slot === undefined) return undefined;
  const jittered = Math.round(slot * (1 - JITTER + 2 * JITTER * random));
  if (retryAfterMs === undefined || retryAfterMs <= jittered) return jittered;
  return Math.min(retryAfterMs, slot * 2);
}

/** `Retry-After` as milliseconds (seconds or an HTTP date), or undefined. */
export function retryAfterMs(header: string | undefined, nowMs: number): number | undefined {
  if (header === undefined || header.trim() === '') return undefined;
  const text = header.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  return Number.isNaN(at) ? undefined : Math.max(0, at - nowMs);
}

export type WebhookVerdict =
  | { readonly outcome: 'succeeded' }
  /** Try again on the schedule. */
  | { readonly outcome: 'retry'; readonly reason: string }
  /** 410: the receiver says the endpoint is gone; the subscription is disabled. */
  | { readonly outcome: 'gone'; readonly reason: string }
  /** The receiver asked us to stop retrying this message (`webhook-delivery: abort-message`). */
  | { readonly outcome: 'aborted'; readonly reason: string };

/**
 * What an HTTP answer means. Only 2xx is success. A 3xx is a failure like any other: the URL was checked, the
 * Location was not, and following it would leave the guard behind.
 */
export function judgeWebhookResponse(
  status: number,
  headers: Readonly<Record<string, string | string[] | undefined>>,
): WebhookVerdict {
  if (status >= 200 && status < 300) return { outcome: 'succeeded' };
  if (status === 410) return { outcome: 'gone', reason: 'The receiver answered 410 Gone' };
  const abort = headers['webhook-delivery'];
  if ((Array.isArray(abort) ? abort : [abort]).some((v) => v?.toLowerCase() === 'abort-message')) {
    return { outcome: 'aborted', reason: `The receiver answered ${status} and asked to stop` };
  }
  if (status >= 300 && status < 400) {
    return {
      outcome: 'retry',
      reason: `The receiver answered ${status}; redirects are not followed`,
    };
  }
  return { outcome: 'retry', reason: `The receiver answered ${status}` };
}
