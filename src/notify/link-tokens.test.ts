import { describe, expect, it } from 'vitest';

import {
  hashSecret,
  linkTokenText,
  newLinkToken,
  PAGE_NONCE_TTL_MS,
  pageNonce,
  pageNonceValid,
  parseLinkToken,
  secretMatches,
} from './link-tokens.js';

describe('link tokens', () => {
  it('are random, at least 128 bits each part, and round-trip through their text', () => {
    const a = newLinkToken();
    const b = newLinkToken();
    expect(a.tokenId).not.toBe(b.tokenId);
    expect(a.secret).not.toBe(b.secret);
    expect(Buffer.from(a.tokenId, 'base64url').length).toBeGreaterThanOrEqual(16);
    expect(Buffer.from(a.secret, 'base64url').length).toBeGreaterThanOrEqual(32);
    expect(parseLinkToken(linkTokenText(a))).toEqual({ tokenId: a.tokenId, secret: a.secret });
    expect(a.secretHash).toBe(hashSecret(a.secret));
    expect(a.secretHash).not.toContain(a.secret);
  });

  it('refuse what cannot be a token without looking anything up', () => {
    for (const text of ['', 'abc', 'a.b.c', '.b', 'a.', 'a b.c', `${'a'.repeat(300)}.b`, 'ä.b']) {
      expect(parseLinkToken(text), text).toBeUndefined();
    }
  });

  it('match only their own secret', () => {
    const token = newLinkToken();
    expect(secretMatches(token.secret, token.secretHash)).toBe(true);
    expect(secretMatches(`${token.secret.slice(0, -1)}x`, token.secretHash)).toBe(false);
    expect(secretMatches(newLinkToken().secret, token.secretHash)).toBe(false);
  });

  it('page nonces are bound to the token, the key and their time, and expire', () => {
    const now = Date.UTC(2026, 0, 1);
    const nonce = pageNonce('key', 'token', now);
    expect(pageNonceValid('key', 'token', nonce, now + 1_000)).toBe(true);
    expect(pageNonceValid('key', 'other', nonce, now)).toBe(false);
    expect(pageNonceValid('other key', 'token', nonce, now)).toBe(false);
    expect(pageNonceValid('key', 'token', nonce, now + PAGE_NONCE_TTL_MS + 1)).toBe(false);
    expect(pageNonceValid('key', 'token', `${now + 1}.${nonce.split('.')[1]}`, now)).toBe(false);
    expect(pageNonceValid('key', 'token', 'garbage', now)).toBe(false);
    expect(pageNonceValid('key', 'token', pageNonce('key', 'token', now + 3_600_000), now)).toBe(
      false,
    );
  });
});
