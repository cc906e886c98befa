import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** A trigger's id: `trg_` and 16 random bytes, unguessable, so an id alone starts nothing and tells nothing. */
export function newTriggerId(): string {
  return `trg_${randomBytes(16).toString('hex')}`;
}

/**
 * A trigger's secret, in Standard Webhooks' form (`whsec_` and a base64 key of 32 random bytes), so that one secret
 * serves as a bearer token and, for a `standard_webhooks` trigger, as the key senders sign with.
 */
export function newTriggerSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

/** SHA-256, hex: a secret is long and random, so a slow hash adds nothing (as for API keys). */
export function hashTriggerSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

/** Whether `given` is the secret behind `storedHash`, compared in constant time. */
export function matchesTriggerSecret(given: string, storedHash: string): boolean {
  const a = Buffer.from(hashTriggerSecret(given), 'hex');
  const b = Buffer.from(storedHash, 'hex');
  return a.length === b.length && timingSafeEqual(a, b);
}
