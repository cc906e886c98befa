/**
 * Encryption at rest for the few stored values that are credentials in themselves (a Slack or Teams incoming-webhook
 * URL lets whoever holds it post to the channel). AES-256-GCM with a random 96-bit IV per value; the key is derived
 * with HKDF from the server's secret, one key per purpose, so the same secret never signs tokens and encrypts with
 * the same bytes. A sealed value reads `fgs1.<keyId>.<iv>.<ciphertext>.<tag>` (base64url): `fgs1` names the format,
 * and the key id says which key sealed it, so a server can hold old keys beside the new one when the secret rotates,
 * and says clearly which key it lacks rather than failing to authenticate.
 */
import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes } from 'node:crypto';

const FORMAT = 'fgs1';
const IV_BYTES = 12;
const TAG_BYTES = 16;

export interface SealKey {
  /** A short fingerprint of the key (not of the secret): safe to store and to show. */
  readonly id: string;
  readonly key: Buffer;
  /** Where the key comes from, for error messages (`FLOWGATE_JWT_SECRET`, `the database's own key`). */
  readonly source: string;
}

/** The key for one purpose, derived from a secret with HKDF-SHA-256. */
export function deriveSealKey(secret: string, purpose: string, source: string): SealKey {
  const key = Buffer.from(hkdfSync('sha256', secret, 'flowgate sealed text', purpose, 32));
  const id = createHash('sha256').update('flowgate key id').update(key).digest('base64url');
  return { id: id.slice(0, 10), key, source };
}

export function isSealed(value: string): boolean {
  return value.startsWith(`${FORMAT}.`);
}

/** The id of the key that sealed `value`, or undefined for a value that is not sealed. */
export function sealedWith(value: string): string | undefined {
  return isSealed(value) ? value.split('.', 2)[1] : undefined;
}

/**
 * Encrypts `plain`. `context` is authenticated but not stored (say, the row's id): a sealed value copied into another
 * row does not open there.
 */
export function seal(key: SealKey, plain: string, context: string): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key.key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(context, 'utf8'));
  const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
  return [FORMAT, key.id, b64(iv), b64(body), b64(cipher.getAuthTag())].join('.');
}

/** Why a sealed value could not be opened; the message says what to do. */
export class UnsealError extends Error {
  override readonly name = 'UnsealError';
}

/** Decrypts a value `seal` made with one of `keys`; throws UnsealError saying why not. */
export function unseal(keys: readonly SealKey[], sealed: string, context: string): string {
  const parts = sealed.split('.');
  if (parts.length !== 5 || parts[0] !== FORMAT) {
    throw new UnsealError('The stored value is not in the sealed format');
  }
  const [, keyId, iv, body, tag] = parts as [string, string, string, string, string];
  const key = keys.find((candidate) => candidate.id === keyId);
  if (!key) {
    const known = keys.map((k) => `${k.id} (${k.source})`).join(', ');
    throw new UnsealError(
      `The stored value was encrypted with key ${keyId}, which this server does not have (it has ${known}): ` +
        'start it with the FLOWGATE_JWT_SECRET it was saved under, or save the value again',
    );
  }
  try {
    const decipher = createDecipheriv('aes-256-gcm', key.key, Buffer.from(iv, 'base64url'), {
      authTagLength: TAG_BYTES,
    });
    decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([
      decipher.update(Buffer.from(body, 'base64url')),
      decipher.final(),
    ]).toString('utf8');
  } catch (error) {
    throw new UnsealError(
      `The stored value does not decrypt with key ${keyId}: it was altered, or moved from another row`,
      { cause: error },
    );
  }
}

/**
 * What a credential URL may show once saved: its scheme and host, and the last four characters when the rest is long
 * enough that four of them give nothing away (`https://hooks.slack.com/…Xa9Q`).
 */
export function maskUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return '…';
  }
  const rest = url.slice(url.indexOf(parsed.host) + parsed.host.length);
  const tail = rest.length >= 16 ? url.slice(-4) : '';
  return `${parsed.protocol}//${parsed.host}/…${tail}`;
}

function b64(bytes: Buffer): string {
  return bytes.toString('base64url');
}
