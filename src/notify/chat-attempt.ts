/**
 * One attempt to post one chat message, under the outbound guard (checked at connect time, redirects never
 * followed). Never throws: a refusal or a broken connection is an attempt like a 500, so every attempt is logged
 * the same way. Chat pings go stale, so they are retried on the webhook schedule only while they are young.
 */
import { OutboundError, sendOutbound, type OutboundGuard } from './outbound-guard.js';
import { nextWebhookDelay, retryAfterMs } from './webhook-policy.js';

/** A chat ping older than this is no longer worth sending: the request has likely been seen or decided. */
export const CHAT_MAX_AGE_MS = 2 * 3_600_000;

export interface ChatAttemptResult {
  readonly outcome: 'sent' | 'retry' | 'failed';
  readonly status: number | undefined;
  readonly error: string | null;
  readonly responseSnippet: string | undefined;
  readonly retryAfterMs: number | undefined;
}

export async function attemptChat(
  guard: OutboundGuard,
  input: {
    readonly url: string;
    readonly body: string;
    readonly timeoutMs: number;
    readonly nowMs: number;
  },
): Promise<ChatAttemptResult> {
  try {
    const response = await sendOutbound(guard, input.url, {
      headers: { 'content-type': 'application/json', 'user-agent': 'Flowgate-Chat' },
      body: input.body,
      timeoutMs: input.timeoutMs,
      maxBodyBytes: 4 * 1024,
    });
    const { status } = response;
    const common = {
      status,
      responseSnippet: response.body,
      retryAfterMs: retryAfterMs(response.headers['retry-after'], input.nowMs),
    };
    if (status >= 200 && status < 300) return { ...common, outcome: 'sent', error: null };
    // Slack answers 403/404/410 for a revoked or deleted webhook, Teams 400 for a card it cannot take: retrying
    // sends the same thing to the same refusal.
    if ([400, 401, 403, 404, 410].includes(status)) {
      return { ...common, outcome: 'failed', error: `The chat service answered ${status}` };
    }
    const redirect = status >= 300 && status < 400 ? '; redirects are not followed' : '';
    return { ...common, outcome: 'retry', error: `The chat service answered ${status}${redirect}` };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    // A URL the guard refuses stays refused until an operator changes the allow-list: no point retrying it.
    const refused =
      error instanceof OutboundError &&
      (error.kind === 'ssrf_blocked' || error.kind === 'invalid_url');
    return {
      outcome: refused ? 'failed' : 'retry',
      status: undefined,
      error: message,
      responseSnippet: undefined,
      retryAfterMs: undefined,
    };
  }
}

/**
 * When to try again after `attemptsMade` attempts of a message created at `createdAtMs`, or undefined to give up:
 * the webhook schedule, cut off at CHAT_MAX_AGE_MS.
 */
export function nextChatAttemptAt(
  attemptsMade: number,
  createdAtMs: number,
  nowMs: number,
  random: number,
  retryAfter?: number,
): number | undefined {
  const delay = nextWebhookDelay(attemptsMade, random, retryAfter);
  if (delay === undefined) return undefined;
  const at = nowMs + delay;
  return at - createdAtMs > CHAT_MAX_AGE_MS ? undefined : at;
}
