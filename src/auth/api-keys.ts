/**
 * API keys: `fg_` and 32 random bytes (base64url), shown once at creation; the database keeps a SHA-256 hash
 * (a key is long and random, so a slow hash adds nothing) and a short prefix to tell keys apart in a list.
 */
import { randomBytes, randomUUID } from 'node:crypto';

import { toIso, type Clock } from '../shared/clock.js';
import { FlowgateError } from '../shared/errors.js';
import type { Tx } from '../store/port.js';
import {
  findApiKeyByHash,
  insertApiKey,
  listApiKeys as listKeyRows,
  revokeApiKey as revokeKeyRow,
  touchApiKey,
  type ApiKeyRecord,
} from '../store/repositories/api-keys.js';
import { findAccountById, type UserAccountRecord } from '../store/repositories/users.js';
import { hashSecret } from './tokens.js';

export const API_KEY_PREFIX = 'fg_';
/** `fg_` and the first 8 characters of the random part. */
const DISPLAY_PREFIX_LENGTH = API_KEY_PREFIX.length + 8;

export type ApiKeyInfo = ApiKeyRecord;

export interface CreatedApiKey extends ApiKeyInfo {
  /** The secret: returned once, never stored. */
  readonly key: string;
}

export function looksLikeApiKey(token: string): boolean {
  return token.startsWith(API_KEY_PREFIX);
}

export async function createApiKey(
  tx: Tx,
  clock: Clock,
  owner: { userId: string; name: string },
): Promise<CreatedApiKey> {
  const name = owner.name.trim();
  if (!name || name.length > 100) {
    throw new FlowgateError('VALIDATION_FAILED', 'An API key needs a name of 1 to 100 characters.');
  }
  const key = API_KEY_PREFIX + randomBytes(32).toString('base64url');
  const info: ApiKeyInfo = {
    keyId: randomUUID(),
    userId: owner.userId,
    name,
    prefix: key.slice(0, DISPLAY_PREFIX_LENGTH),
    createdAt: toIso(clock.now()),
    lastUsedAt: null,
    revokedAt: null,
  };
  await insertApiKey(tx, {
    keyId: info.keyId,
    userId: info.userId,
    name: info.name,
    keyHash: hashSecret(key),
    prefix: info.prefix,
    now: info.createdAt,
  });
  return { ...info, key };
}

/** A user's keys without their secrets. */
export function listApiKeys(tx: Tx, userId: string): Promise<ApiKeyInfo[]> {
  return listKeyRows(tx, userId);
}

/** NOT_FOUND when the user has no such key (another user's key included). */
export async function revokeApiKey(
  tx: Tx,
  clock: Clock,
  userId: string,
  keyId: string,
): Promise<void> {
  if (!(await revokeKeyRow(tx, userId, keyId, toIso(clock.now())))) {
    throw new FlowgateError('NOT_FOUND', 'No such API key.');
  }
}

/** The active user a key belongs to, and records its use; UNAUTHENTICATED for an unknown or revoked key. */
export async function authenticateApiKey(
  tx: Tx,
  clock: Clock,
  key: string,
): Promise<{ user: UserAccountRecord; apiKey: ApiKeyInfo }> {
  const apiKey = looksLikeApiKey(key) ? await findApiKeyByHash(tx, hashSecret(key)) : undefined;
  const user =
    apiKey && apiKey.revokedAt === null ? await findAccountById(tx, apiKey.userId) : undefined;
  if (!apiKey || !user?.isActive) {
    throw new FlowgateError('UNAUTHENTICATED', 'The API key is invalid.');
  }
  await touchApiKey(tx, apiKey.keyId, toIso(clock.now()));
  return { user, apiKey };
}
