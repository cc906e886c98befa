/**
 * Standard Webhooks signing (v1, HMAC-SHA256). The signed content is `<webhook-id>.<webhook-timestamp>.<body>`, the
 * exact bytes sent; the id is ours and never holds a dot, the timestamp is the attempt's Unix seconds. While a
 * rotated-out secret is still in its overlap window, one signature per secret is sent, space-separated, so a receiver
 * holding either secret verifies and can switch without dropping a delivery.
 */
import { createHmac, randomBytes } from 'node:crypto';

const PREFIX = 'whsec_';
// 32 bytes: inside the spec's 24–64, and the size of the HMAC-SHA256 block's key that gains nothing beyond it.
const SECRET_BYTES = 32;

/** A new secret as users paste it into a receiver: `whsec_` and base64. */
export function newWebhookSecret(): string {
  return `${PREFIX}${randomBytes(SECRET_BYTES).toString('base64')}`;
}

export function isWebhookSecret(text: string): boolean {
  if (!text.startsWith(PREFIX)) return false;
  const key = Buffer.from(text.slice(PREFIX.length), 'base64');
  return key.length >= 24 && key.length <= 64;
}

/** The `webhook-signature` header: `v1,<base64>` per secret, newest first. */
export function signWebhook(
  secrets: readonly string[],
  webhookId: string,
  timestampSeconds: number,
  body: string,
): string {
  if (webhookId.includes('.')) throw new Error('A webhook id may not contain a dot');
  const content = `${webhookId}.${timestampSeconds}.${body}`;
  return secrets
    .map((secret) => {
      const key = Buffer.from(
        secret.startsWith(PREFIX) ? secret.slice(PREFIX.length) : secret,
        'base64',
      );
      return `v1,${createHmac('sha256', key).update(content).digest('base64')}`;
    })
    .join(' ');
}

/** The three headers of one attempt. */
export function webhookHeaders(
  secrets: readonly string[],
  webhookId: string,
  timestampSeconds: number,
  body: string,
): Record<string, string> {
  return {
    'content-type': 'application/json',
    'webhook-id': webhookId,
    'webhook-timestamp': String(timestampSeconds),
    'webhook-signature': signWebhook(secrets, webhookId, timestampSeconds, body),
  };
}
