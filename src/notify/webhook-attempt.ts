/**
 * One attempt to deliver one webhook message: signed for this attempt's time, sent under the outbound guard, and
 * judged. Never throws: a refusal, a timeout or a broken connection is an attempt like a 500 is, so the caller
 * records every attempt the same way in the delivery log.
 */
import { OutboundError, sendOutbound, type OutboundGuard } from './outbound-guard.js';
import { webhookHeaders } from './webhook-signature.js';
import { judgeWebhookResponse, retryAfterMs, type WebhookVerdict } from './webhook-policy.js';

export interface WebhookAttemptInput {
  readonly url: string;
  /** Current secret first; a rotated-out one still in its overlap window after it. */
  readonly secrets: readonly string[];
  /** The message's id: the same on every attempt, the receiver's idempotency key. */
  readonly webhookId: string;
  /** The stored body, sent byte for byte as it was first built. */
  readonly body: string;
  readonly nowMs: number;
  readonly timeoutMs: number;
}

export interface WebhookAttemptResult {
  readonly verdict: WebhookVerdict;
  /** undefined when no answer came. */
  readonly status: number | undefined;
  readonly errorKind: OutboundError['kind'] | 'http' | undefined;
  readonly retryAfterMs: number | undefined;
  /** The start of the answer, for the delivery log. */
  readonly responseSnippet: string | undefined;
  readonly durationMs: number;
}

// The log keeps enough of an answer to see what the receiver said, not its pages.
const SNIPPET_BYTES = 4 * 1024;

export async function attemptWebhook(
  guard: OutboundGuard,
  input: WebhookAttemptInput,
): Promise<WebhookAttemptResult> {
  const started = Date.now();
  const headers = webhookHeaders(
    input.secrets,
    input.webhookId,
    Math.floor(input.nowMs / 1000),
    input.body,
  );
  try {
    const response = await sendOutbound(guard, input.url, {
      headers: { ...headers, 'user-agent': 'Flowgate-Webhooks' },
      body: input.body,
      timeoutMs: input.timeoutMs,
      maxBodyBytes: SNIPPET_BYTES,
    });
    const verdict = judgeWebhookResponse(response.status, response.headers);
    return {
      verdict,
      status: response.status,
      errorKind: verdict.outcome === 'succeeded' ? undefined : 'http',
      retryAfterMs: retryAfterMs(response.headers['retry-after'], input.nowMs),
      responseSnippet: response.body,
      durationMs: Date.now() - started,
    };
  } catch (error) {
    const kind = error instanceof OutboundError ? error.kind : 'conn';
    const message = error instanceof Error ? error.message : String(error);
    return {
      verdict: { outcome: 'retry', reason: message },
      status: undefined,
      errorKind: kind,
      retryAfterMs: undefined,
      responseSnippet: undefined,
      durationMs: Date.now() - started,
    };
  }
}
