/**
 * Access and refresh tokens.
 *
 * - Access tokens are short-lived JWTs (HS256, 15 minutes) carrying `sub`, `role`, `username` and `jti`; they are
 *   checked without the database, and the caller checks that the user is still active.
 * - Refresh tokens are opaque random strings (32 bytes, base64url), stored only as SHA-256 hashes. Each login
 *   starts a family; a rotation spends the presented token and issues the next one of the same family. Presenting
 *   a spent token again means it was copied: the whole family (and its session) is revoked, so the newest token,
 *   wherever it is, stops working too.
 */
import { createHash, createSecretKey, randomBytes, randomUUID, type KeyObject } from 'node:crypto';

import { errors as joseErrors, jwtVerify, SignJWT } from 'jose';

import { toIso, type Clock } from '../shared/clock.js';
import { FlowgateError } from '../shared/errors.js';
import type { Store, Tx } from '../store/port.js';
import {
  findRefreshToken,
  insertRefreshToken,
  markRefreshTokenUsed,
  revokeRefreshFamily,
} from '../store/repositories/refresh-tokens.js';
import { endSession, touchSession } from '../store/repositories/sessions.js';
import { findAccountById, type UserAccountRecord } from '../store/repositories/users.js';

export const ACCESS_TOKEN_TTL_SECONDS = 15 * 60;
export const REFRESH_TOKEN_TTL_MS = 30 * 24 * 60 * 60 * 1000;
const ISSUER = 'flowgate';
const ALGORITHM = 'HS256';

export interface AccessClaims {
  readonly sub: string;
  readonly role: string;
  readonly username: string;
  readonly jti: string;
  /** Seconds since the epoch. */
  readonly exp: number;
}

export interface TokenKey {
  readonly secret: string;
  readonly clock: Clock;
}

/** Verified tokens kept per key: a client sends the same access token with every request until it refreshes. */
const VERIFIED_CACHE_SIZE = 1_000;

interface PreparedKey {
  readonly secret: KeyObject;
  readonly verified: Map<string, AccessClaims>;
}

// jose imports a raw secret into a key on every call (a tenth of a millisecond per request under load); the key
// object is made once per TokenKey instead.
const prepared = new WeakMap<TokenKey, PreparedKey>();

function prepare(key: TokenKey): PreparedKey {
  let entry = prepared.get(key);
  if (!entry) {
    entry = { secret: createSecretKey(Buffer.from(key.secret, 'utf8')), verified: new Map() };
    prepared.set(key, entry);
  }
  return entry;
}

export async function signAccessToken(
  key: TokenKey,
  claims: { sub: string; role: string; username: string },
  ttlSeconds = ACCESS_TOKEN_TTL_SECONDS,
): Promise<{ token: string; claims: AccessClaims }> {
  const iat = Math.floor(key.clock.now() / 1000);
  const full: AccessClaims = { ...claims, jti: randomUUID(), exp: iat + ttlSeconds };
  const token = await new SignJWT({ role: full.role, username: full.username })
    .setProtectedHeader({ alg: ALGORITHM, typ: 'JWT' })
    .setSubject(full.sub)
    .setJti(full.jti)
    .setIssuer(ISSUER)
    .setIssuedAt(iat)
    .setExpirationTime(full.exp)
    .sign(prepare(key).secret);
  return { token, claims: full };
}

/** The claims of a valid, unexpired access token signed with the secret; UNAUTHENTICATED otherwise. */
export async function verifyAccessToken(key: TokenKey, token: string): Promise<AccessClaims> {
  const { secret, verified } = prepare(key);
  // The same string verified before with this key verifies again, until it expires: only the expiry is rechecked.
  const known = verified.get(token);
  if (known && known.exp * 1000 > key.clock.now()) return known;
  let payload;
  try {
    ({ payload } = await jwtVerify(token, secret, {
      algorithms: [ALGORITHM],
      issuer: ISSUER,
      currentDate: new Date(key.clock.now()),
      requiredClaims: ['sub', 'jti', 'exp'],
    }));
  } catch (error) {
    const expired = error instanceof joseErrors.JWTExpired;
    throw new FlowgateError(
      'UNAUTHENTICATED',
      expired ? 'The access token has expired.' : 'The access token is invalid.',
      { cause: error },
    );
  }
  const { sub, jti, exp, role, username } = payload;
  if (
    typeof sub !== 'string' ||
    typeof jti !== 'string' ||
    typeof exp !== 'number' ||
    typeof role !== 'string' ||
    typeof username !== 'string'
  ) {
    throw new FlowgateError('UNAUTHENTICATED', 'The access token is invalid.');
  }
  const claims: AccessClaims = { sub, jti, exp, role, username };
  if (verified.size >= VERIFIED_CACHE_SIZE) verified.clear();
  verified.set(token, claims);
  return claims;
}

/** SHA-256 of a secret token, hex: what the database keeps instead of the token. */
export function hashSecret(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export function newRefreshTokenValue(): string {
  return randomBytes(32).toString('base64url');
}

/** Issues a refresh token of `familyId` inside the caller's transaction; returns the token (never stored). */
export async function issueRefreshToken(
  tx: Tx,
  clock: Clock,
  owner: { userId: string; familyId: string; sessionId: string | null },
  ttlMs = REFRESH_TOKEN_TTL_MS,
): Promise<{ token: string; expiresAt: string }> {
  const token = newRefreshTokenValue();
  const now = clock.now();
  const expiresAt = toIso(now + ttlMs);
  await insertRefreshToken(tx, {
    tokenHash: hashSecret(token),
    familyId: owner.familyId,
    userId: owner.userId,
    sessionId: owner.sessionId,
    expiresAt,
    now: toIso(now),
  });
  return { token, expiresAt };
}

export interface Rotation {
  readonly refreshToken: string;
  readonly expiresAt: string;
  readonly user: UserAccountRecord;
  readonly familyId: string;
  readonly sessionId: string | null;
}

type RotationOutcome =
  | { readonly kind: 'rotated'; readonly rotation: Rotation }
  | { readonly kind: 'refused'; readonly message: string };

const INVALID = 'The refresh token is invalid.';

/**
 * Spends a refresh token and returns the next one of its family, with the (active) user it belongs to. Fails
 * UNAUTHENTICATED when the token is unknown or revoked; when it was spent already (the family and its session are
 * revoked); when it has expired (its session is marked expired); when its user is deactivated (the family is
 * revoked). The revocations are committed before the error is thrown, so this function owns its transaction.
 */
export async function rotateRefreshToken(
  store: Store,
  clock: Clock,
  token: string,
  ttlMs = REFRESH_TOKEN_TTL_MS,
): Promise<Rotation> {
  const outcome = await store.transaction(async (tx): Promise<RotationOutcome> => {
    const nowMs = clock.now();
    const now = toIso(nowMs);
    const stored = await findRefreshToken(tx, hashSecret(token), {
      lock: store.capabilities.rowLocks,
    });
    if (!stored || stored.revokedAt !== null) return { kind: 'refused', message: INVALID };
    const revokeAll = async (sessionStatus: 'completed' | 'expired') => {
      await revokeRefreshFamily(tx, stored.familyId, now);
      if (stored.sessionId) await endSession(tx, stored.sessionId, sessionStatus, now);
    };
    if (stored.usedAt !== null) {
      await revokeAll('completed');
      return { kind: 'refused', message: INVALID };
    }
    if (stored.expiresAt <= now) {
      await revokeAll('expired');
      return { kind: 'refused', message: 'The refresh token has expired.' };
    }
    const user = await findAccountById(tx, stored.userId);
    if (!user?.isActive) {
      await revokeAll('completed');
      return { kind: 'refused', message: INVALID };
    }
    // A concurrent rotation may have spent it since the read: that is a reuse too.
    if (!(await markRefreshTokenUsed(tx, stored.tokenHash, now))) {
      await revokeAll('completed');
      return { kind: 'refused', message: INVALID };
    }
    const next = await issueRefreshToken(
      tx,
      clock,
      { userId: stored.userId, familyId: stored.familyId, sessionId: stored.sessionId },
      ttlMs,
    );
    if (stored.sessionId) await touchSession(tx, stored.sessionId, next.expiresAt, now);
    return {
      kind: 'rotated',
      rotation: {
        refreshToken: next.token,
        expiresAt: next.expiresAt,
        user,
        familyId: stored.familyId,
        sessionId: stored.sessionId,
      },
    };
  });
  if (outcome.kind === 'refused') throw new FlowgateError('UNAUTHENTICATED', outcome.message);
  return outcome.rotation;
}
