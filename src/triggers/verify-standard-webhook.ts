import { createHmac, timingSafeEqual } from 'node:crypto';

/** Standard Webhooks' tolerance for a message's timestamp, either way: a replay older than this is refused. */
export const SIGNATURE_TOLERANCE_MS = 5 * 60_000;

export interface SignedRequest {
  readonly id: string | undefined;
  readonly timestamp: string | undefined;
  readonly signature: string | undefined;
  /** The body exactly as received: the signature covers its bytes, not its parsed value. */
  readonly body: Buffer;
}

export type SignatureCheck =
  { readonly ok: true } | { readonly ok: false; readonly reason: 'missing' | 'stale' | 'mismatch' };

/**
 * Checks a Standard Webhooks signature: `webhook-signature` holds space-separated `v1,<base64>` entries (several
 * during a key rotation), each an HMAC-SHA256 of `<webhook-id>.<webhook-timestamp>.<body>` under the key that the
 * `whsec_` secret encodes in base64. Signatures are compared in constant time; the timestamp (Unix seconds) must be
 * within five minutes of `nowMs` either way, so a captured request cannot be replayed later.
 */
export function verifyStandardWebhook(
  signingKey: Buffer,
  request: SignedRequest,
  nowMs: number,
): SignatureCheck {
  const { id, timestamp, signature } = request;
  if (!id || !timestamp || !signature) return { ok: false, reason: 'missing' };
  const seconds = /^\d{1,12}$/.test(timestamp) ? Number(timestamp) : NaN;
  if (!Number.isFinite(seconds) || Math.abs(nowMs - seconds * 1000) > SIGNATURE_TOLERANCE_MS) {
    return { ok: false, reason: 'stale' };
  }
  const expected = createHmac('sha256', signingKey)
    .update(`${id}.${timestamp}.`)
    .update(request.body)
    .digest();
  for (const entry of signature.split(' ')) {
    const [version, value] = entry.split(',', 2);
    if (version !== 'v1' || value === undefined) continue;
    const given = Buffer.from(value, 'base64');
    if (given.length === expected.length && timingSafeEqual(given, expected)) return { ok: true };
  }
  return { ok: false, reason: 'mismatch' };
}

/** The HMAC key a `whsec_` secret stands for. */
export function signingKeyOf(secret: string): Buffer {
  return Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
}
