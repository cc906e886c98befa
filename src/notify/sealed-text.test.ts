import { describe, expect, it } from 'vitest';

import {
  deriveSealKey,
  isSealed,
  maskUrl,
  seal,
  sealedWith,
  unseal,
  UnsealError,
} from './sealed-text.js';

const key = deriveSealKey(
  'a-server-secret-of-at-least-32-chars',
  'purpose one',
  'FLOWGATE_JWT_SECRET',
);

describe('sealed text', () => {
  it('round-trips, with a fresh IV each time and the key id in the prefix', () => {
    const a = seal(key, 'https://hooks.slack.com/services/T/B/secret', 'row-1');
    const b = seal(key, 'https://hooks.slack.com/services/T/B/secret', 'row-1');
    expect(a).not.toBe(b);
    expect(isSealed(a)).toBe(true);
    expect(sealedWith(a)).toBe(key.id);
    expect(unseal([key], a, 'row-1')).toBe('https://hooks.slack.com/services/T/B/secret');
    expect(unseal([key], b, 'row-1')).toBe('https://hooks.slack.com/services/T/B/secret');
    expect(isSealed('https://hooks.slack.com/x')).toBe(false);
    expect(sealedWith('https://hooks.slack.com/x')).toBeUndefined();
  });

  it('derives different keys per secret and per purpose', () => {
    const other = deriveSealKey('a-server-secret-of-at-least-32-chars', 'purpose two', 'x');
    const rotated = deriveSealKey('another-secret-of-at-least-32-chars!', 'purpose one', 'x');
    expect(new Set([key.id, other.id, rotated.id]).size).toBe(3);
    expect(key.key.equals(other.key)).toBe(false);
    expect(key.key).toHaveLength(32);
  });

  it('names the missing key, and refuses an altered value or another row', () => {
    const sealed = seal(key, 'secret url', 'row-1');
    const rotated = deriveSealKey(
      'another-secret-of-at-least-32-chars!',
      'purpose one',
      'FLOWGATE_JWT_SECRET',
    );
    expect(() => unseal([rotated], sealed, 'row-1')).toThrow(
      new RegExp(
        `encrypted with key ${key.id}, which this server does not have \\(it has ${rotated.id}`,
      ),
    );
    // Both keys held (a rotation): the old value still opens.
    expect(unseal([rotated, key], sealed, 'row-1')).toBe('secret url');
    expect(() => unseal([key], sealed, 'row-2')).toThrow(UnsealError);
    const parts = sealed.split('.');
    const body = Buffer.from(parts[3]!, 'base64url');
    body[0] = body[0]! ^ 1;
    parts[3] = body.toString('base64url');
    expect(() => unseal([key], parts.join('.'), 'row-1')).toThrow(/altered/);
    expect(() => unseal([key], 'fgs1.only.three', 'row-1')).toThrow(/not in the sealed format/);
  });

  it('masks a URL to its scheme, host and, when long enough, last four characters', () => {
    expect(maskUrl('https://hooks.slack.com/services/T000/B000/XXXXabcd')).toBe(
      'https://hooks.slack.com/…abcd',
    );
    expect(
      maskUrl(
        'https://prod-1.westus.logic.azure.com:443/workflows/1/triggers/manual?sig=s3cr3tSIG',
      ),
    ).toBe('https://prod-1.westus.logic.azure.com/…tSIG');
    expect(maskUrl('http://localhost:8080/short')).toBe('http://localhost:8080/…');
    expect(maskUrl('not a url')).toBe('…');
  });
});
