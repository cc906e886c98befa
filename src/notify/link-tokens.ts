/**
 * Decision-link tokens: `<tokenId>.<secret>`, both random and base64url. Only the secret's SHA-256 is stored; 256
 * random bits make a salt or a slow hash pointless (nothing to guess), and lookups go by the id, so the secret is
 * compared in constant time against one row. The confirmation page carries a nonce, an HMAC of the token id and the
 * time the page was made under a server key, so a POST is accepted only from a page this server rendered recently.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export interface LinkToken {
  readonly tokenId: string;
  /** Goes into the mail only; never stored, never logged. */
  readonly secret: string;
  readonly secretHash: string;
}

const ID_BYTES = 16;
const SECRET_BYTES = 32;
const PART = /^[A-Za-z0-9_-]+$/;

export function newLinkToken(): LinkToken {
  const secret = randomBytes(SECRET_BYTES).toString('base64url');
  return {
    tokenId: randomBytes(ID_BYTES).toString('base64url'),
    secret,
    secretHash: hashSecret(secret),
  };
}

/** What goes in the URL. */
export function linkTokenText(token: Pick<LinkToken, 'tokenId' | 'secret'>): string {
  return `${token.tokenId}.${token.secret}`;
}

export function hashSecret(secret: string): string {
  return createHash('sha256').update(secret).digest('base64url');
}

/** The parts of a token from a URL, or undefined when it cannot be one (nothing is looked up then). */
export function parseLinkToken(text: string): { tokenId: string; secret: string } | undefined {
  if (text.length > 200) return undefined;
  const [tokenId, secret, extra] = text.split('.');
  if (extra !== undefined || !tokenId || !secret || !PART.test(tokenId) || !PART.test(secret))
    return undefined;
  return { tokenId, secret };
}

export function secretMatches(secret: string, storedHash: string): boolean {
  const given = Buffer.from(hashSecret(secret));
  const stored = Buffer.from(storedHash);
  return given.length === stored.length && timingSafeEqual(given, stored);
}

/** How long a rendered confirmation page may be submitted: long enough to read, think and come back. */
export const PAGE_NONCE_TTL_MS = 12 * 3_600_000;

export function pageNonce(key: string, tokenId: string, issuedAt: number): string {
  const mac = createHmac('sha256', key).update(`${tokenId}:${issuedAt}`).digest('base64url');
  return `${issuedAt}.${mac}`;
}

export function pageNonceValid(key: string, tokenId: string, nonce: string, now: number): boolean {
  const [at, mac] = nonce.split('.');
  const issuedAt = Number(at);
  if (!mac || !Number.isSafeInteger(issuedAt)) return false;
  if (issuedAt > now + 60_000 || now - issuedAt > PAGE_NONCE_TTL_MS) return false;
  const expected = Buffer.from(pageNonce(key, tokenId, issuedAt));
  const given = Buffer.from(nonce);
  return expected.length === given.length && timingSafeEqual(expected, given);
}
