/**
 * Accounts and sign-in, for the HTTP server and the CLI: users (admin, user, viewer), password login with
 * rotating refresh tokens, API keys, and turning a bearer token (access JWT or API key) into an `Actor`.
 *
 * Every change runs in one store transaction; password hashing (~50 ms) runs before it, so that a transaction
 * (SQLite's single writer) is never held while hashing. Time comes from the injected clock.
 */
import { randomBytes, randomUUID } from 'node:crypto';

import type { Actor } from '../shared/actor.js';
import { toIso, type Clock } from '../shared/clock.js';
import { FlowgateError } from '../shared/errors.js';
import type { Store } from '../store/port.js';
import {
  findRefreshToken,
  revokeRefreshFamily,
  revokeUserRefreshTokens,
} from '../store/repositories/refresh-tokens.js';
import { endSession, endUserSessions, insertSession } from '../store/repositories/sessions.js';
import {
  countUsers,
  findAccountById,
  findAccountByUsername,
  insertUser,
  isUniqueViolation,
  listAccounts,
  recordLogin,
  updateAccount,
  type UserAccountRecord,
  type UserChanges,
} from '../store/repositories/users.js';
import {
  authenticateApiKey,
  createApiKey,
  listApiKeys,
  looksLikeApiKey,
  revokeApiKey,
  type ApiKeyInfo,
  type CreatedApiKey,
} from './api-keys.js';
import { hashPassword, verifyAgainstDummy, verifyPassword } from './passwords.js';
import {
  hashSecret,
  issueRefreshToken,
  REFRESH_TOKEN_TTL_MS,
  rotateRefreshToken,
  signAccessToken,
  verifyAccessToken,
  type TokenKey,
} from './tokens.js';

export const ROLES = ['admin', 'user', 'viewer'] as const;
export type Role = (typeof ROLES)[number];

/** A user as the API shows it: never the password hash. */
export interface AuthUser {
  readonly userId: string;
  readonly username: string;
  readonly role: string;
  readonly email: string | null;
  readonly fullName: string | null;
  readonly isActive: boolean;
  readonly preferences: Record<string, unknown> | null;
  readonly createdAt: string;
  readonly lastLogin: string | null;
  readonly updatedAt: string | null;
  /** The Slack member (`U…`) whose Approve/Reject clicks act as this user; null when unmapped. */
  readonly slackUserId: string | null;
}

export interface TokenPair {
  readonly accessToken: string;
  readonly refreshToken: string;
  readonly user: AuthUser;
}

export interface NewUser {
  readonly username: string;
  readonly password: string;
  readonly role: string;
  readonly email?: string;
  readonly fullName?: string;
}

export interface UserUpdate {
  readonly role?: string;
  readonly isActive?: boolean;
  readonly password?: string;
  readonly email?: string | null;
  readonly fullName?: string | null;
  /** Replaces the stored preferences (seed 004: theme, timezone, notifications); null clears them. */
  readonly preferences?: Record<string, unknown> | null;
  /** Maps a Slack member id to this user (admins only); null unmaps. */
  readonly slackUserId?: string | null;
}

export interface AuthServiceOptions {
  readonly store: Store;
  readonly clock: Clock;
  /** The HS256 key of access tokens: at least 32 characters. */
  readonly jwtSecret: string;
  readonly refreshTokenTtlMs?: number;
}

/** The same answer for an unknown user, a wrong password and a deactivated user: a login reveals nothing. */
const BAD_LOGIN = 'Invalid username or password.';
const MIN_PASSWORD = 8;
const MAX_PASSWORD = 1024;
const USERNAME = /^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$/;

function invalid(message: string): FlowgateError {
  return new FlowgateError('VALIDATION_FAILED', message);
}

function checkRole(role: string): Role {
  if (!(ROLES as readonly string[]).includes(role)) {
    throw invalid(`The role must be one of ${ROLES.join(', ')}.`);
  }
  return role as Role;
}

// Slack member ids: `U…` or `W…` (Enterprise Grid), upper-case letters and digits.
const SLACK_USER_ID = /^[UW][A-Z0-9]{2,30}$/;

function checkSlackUserId(id: string | null): string | null {
  if (id === null) return null;
  if (!SLACK_USER_ID.test(id)) {
    throw invalid('A Slack member id looks like U0123ABCD (Profile → ⋮ → Copy member ID).');
  }
  return id;
}

function checkPassword(password: string): string {
  if (password.length < MIN_PASSWORD || password.length > MAX_PASSWORD) {
    throw invalid(`A password has ${MIN_PASSWORD} to ${MAX_PASSWORD} characters.`);
  }
  return password;
}

function checkPreferences(preferences: unknown): string | null {
  if (preferences === null) return null;
  if (typeof preferences !== 'object' || Array.isArray(preferences)) {
    throw invalid('Preferences are an object.');
  }
  return JSON.stringify(preferences);
}

function parsePreferences(text: string | null): Record<string, unknown> | null {
  if (text === null) return null;
  try {
    const value: unknown = JSON.parse(text);
    return value && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

export function toAuthUser(record: UserAccountRecord): AuthUser {
  return {
    userId: record.userId,
    username: record.username,
    role: record.role ?? 'viewer',
    email: record.email,
    fullName: record.fullName,
    isActive: record.isActive,
    preferences: parsePreferences(record.preferences),
    createdAt: record.createdAt,
    lastLogin: record.lastLogin,
    updatedAt: record.updatedAt,
    slackUserId: record.slackUserId,
  };
}

function toActor(user: UserAccountRecord): Actor {
  return {
    userId: user.userId,
    username: user.username,
    roles: [user.role ?? 'viewer'],
    channel: 'api',
  };
}

export class AuthService {
  readonly #store: Store;
  readonly #clock: Clock;
  readonly #key: TokenKey;
  readonly #refreshTtlMs: number;

  constructor(options: AuthServiceOptions) {
    if (options.jwtSecret.length < 32) {
      throw new FlowgateError('CONFIG_INVALID', 'The JWT secret needs at least 32 characters.');
    }
    this.#store = options.store;
    this.#clock = options.clock;
    this.#key = { secret: options.jwtSecret, clock: options.clock };
    this.#refreshTtlMs = options.refreshTokenTtlMs ?? REFRESH_TOKEN_TTL_MS;
  }

  #now(): string {
    return toIso(this.#clock.now());
  }

  async createUser(input: NewUser): Promise<AuthUser> {
    const username = input.username.trim();
    if (!USERNAME.test(username)) {
      throw invalid(
        'A username has 1 to 64 letters, digits or . _ @ - and starts with a letter or digit.',
      );
    }
    const role = checkRole(input.role);
    const passwordHash = await hashPassword(checkPassword(input.password));
    const userId = randomUUID();
    try {
      return await this.#store.transaction(async (tx) => {
        if (await findAccountByUsername(tx, username)) {
          throw new FlowgateError('CONFLICT', `The username ${username} is taken.`);
        }
        await insertUser(tx, {
          userId,
          username,
          role,
          passwordHash,
          now: this.#now(),
          ...(input.email !== undefined ? { email: input.email } : {}),
          ...(input.fullName !== undefined ? { fullName: input.fullName } : {}),
        });
        return toAuthUser((await findAccountById(tx, userId))!);
      });
    } catch (error) {
      // Two creations racing on PostgreSQL: the unique index decides.
      if (isUniqueViolation(error)) {
        throw new FlowgateError('CONFLICT', `The username ${username} is taken.`, {
          cause: error,
        });
      }
      throw error;
    }
  }

  /** Changes a user; deactivating one (or changing the password) also ends their logins. */
  async updateUser(userId: string, update: UserUpdate): Promise<AuthUser> {
    const changes: {
      -readonly [K in keyof UserChanges]: UserChanges[K];
    } = {};
    if (update.role !== undefined) changes.role = checkRole(update.role);
    if (update.isActive !== undefined) changes.isActive = update.isActive;
    if (update.email !== undefined) changes.email = update.email;
    if (update.fullName !== undefined) changes.fullName = update.fullName;
    if (update.preferences !== undefined) {
      changes.preferences = checkPreferences(update.preferences);
    }
    if (update.slackUserId !== undefined)
      changes.slackUserId = checkSlackUserId(update.slackUserId);
    if (update.password !== undefined) {
      changes.passwordHash = await hashPassword(checkPassword(update.password));
    }
    try {
      return await this.#store.transaction(async (tx) => {
        const now = this.#now();
        if (!(await updateAccount(tx, userId, changes, now))) {
          throw new FlowgateError('NOT_FOUND', 'No such user.');
        }
        if (update.isActive === false || update.password !== undefined) {
          await revokeUserRefreshTokens(tx, userId, now);
          await endUserSessions(tx, userId, 'completed', now);
        }
        return toAuthUser((await findAccountById(tx, userId))!);
      });
    } catch (error) {
      // Only the Slack member id is unique among the fields a change may set.
      if (isUniqueViolation(error)) {
        throw new FlowgateError(
          'CONFLICT',
          `The Slack member ${update.slackUserId ?? ''} is mapped to another user.`,
          { cause: error },
        );
      }
      throw error;
    }
  }

  async getUser(userId: string): Promise<AuthUser> {
    const user = await this.#store.read((db) => findAccountById(db, userId));
    if (!user) throw new FlowgateError('NOT_FOUND', 'No such user.');
    return toAuthUser(user);
  }

  async listUsers(): Promise<AuthUser[]> {
    const users = await this.#store.read((db) => listAccounts(db));
    return users.map(toAuthUser);
  }

  async login(input: {
    username: string;
    password: string;
    ip?: string;
    userAgent?: string;
  }): Promise<TokenPair> {
    const account = await this.#store.read((db) => findAccountByUsername(db, input.username));
    // Always one argon2 verification, whether or not the user exists, so the timing tells nothing either.
    const passwordOk = account?.passwordHash
      ? await verifyPassword(account.passwordHash, input.password)
      : await verifyAgainstDummy(input.password);
    if (!account || !passwordOk || !account.isActive) {
      throw new FlowgateError('UNAUTHENTICATED', BAD_LOGIN);
    }
    const { user, refreshToken } = await this.#store.transaction(async (tx) => {
      const now = this.#now();
      // Re-read inside the transaction: the user may have been deactivated since.
      const current = await findAccountById(tx, account.userId);
      if (!current?.isActive) throw new FlowgateError('UNAUTHENTICATED', BAD_LOGIN);
      const sessionId = randomUUID();
      const familyId = randomUUID();
      const issued = await issueRefreshToken(
        tx,
        this.#clock,
        { userId: current.userId, familyId, sessionId },
        this.#refreshTtlMs,
      );
      await insertSession(tx, {
        sessionId,
        userId: current.userId,
        refreshFamily: familyId,
        ip: input.ip ?? null,
        userAgent: input.userAgent ?? null,
        expiresAt: issued.expiresAt,
        now,
      });
      await recordLogin(tx, current.userId, now);
      return { user: { ...current, lastLogin: now }, refreshToken: issued.token };
    });
    return { accessToken: await this.#accessToken(user), refreshToken, user: toAuthUser(user) };
  }

  /** A new pair for a refresh token, which is spent; reusing a spent token revokes its family. */
  async refresh(refreshToken: string): Promise<TokenPair> {
    const rotation = await rotateRefreshToken(
      this.#store,
      this.#clock,
      refreshToken,
      this.#refreshTtlMs,
    );
    return {
      accessToken: await this.#accessToken(rotation.user),
      refreshToken: rotation.refreshToken,
      user: toAuthUser(rotation.user),
    };
  }

  /**
   * Ends the login the refresh token belongs to: its family is revoked and its session completed. Logging out
   * twice is harmless; an unknown token is UNAUTHENTICATED. (Access tokens already issued live out their 15
   * minutes.)
   */
  async logout(refreshToken: string): Promise<void> {
    await this.#store.transaction(async (tx) => {
      const stored = await findRefreshToken(tx, hashSecret(refreshToken));
      if (!stored) throw new FlowgateError('UNAUTHENTICATED', 'The refresh token is invalid.');
      const now = this.#now();
      await revokeRefreshFamily(tx, stored.familyId, now);
      if (stored.sessionId) await endSession(tx, stored.sessionId, 'completed', now);
    });
  }

  /**
   * The actor behind an `Authorization: Bearer` value (with or without the `Bearer ` prefix): an access token of
   * an active user, or an API key. UNAUTHENTICATED otherwise.
   */
  async authenticate(bearer: string): Promise<Actor> {
    const token = bearer.replace(/^Bearer\s+/i, '').trim();
    if (!token) throw new FlowgateError('UNAUTHENTICATED');
    if (looksLikeApiKey(token)) {
      const { user } = await this.#store.transaction((tx) =>
        authenticateApiKey(tx, this.#clock, token),
      );
      return toActor(user);
    }
    const claims = await verifyAccessToken(this.#key, token);
    const user = await this.#store.read((db) => findAccountById(db, claims.sub));
    if (!user?.isActive) throw new FlowgateError('UNAUTHENTICATED', 'The account is not active.');
    // The stored role wins over the token's: a demotion takes effect at once.
    return toActor(user);
  }

  createApiKey(userId: string, name: string): Promise<CreatedApiKey> {
    return this.#store.transaction(async (tx) => {
      if (!(await findAccountById(tx, userId)))
        throw new FlowgateError('NOT_FOUND', 'No such user.');
      return createApiKey(tx, this.#clock, { userId, name });
    });
  }

  listApiKeys(userId: string): Promise<ApiKeyInfo[]> {
    return this.#store.read((db) => listApiKeys(db, userId));
  }

  revokeApiKey(userId: string, keyId: string): Promise<void> {
    return this.#store.transaction((tx) => revokeApiKey(tx, this.#clock, userId, keyId));
  }

  /**
   * On a first start (no users at all) creates the user `admin` with the given password, or a generated one that
   * is returned so that the caller can show it once. Does nothing when any user exists.
   */
  async ensureAdmin(options: { password?: string } = {}): Promise<{
    created: boolean;
    username: string;
    /** Only when generated here. */
    generatedPassword?: string;
  }> {
    const username = 'admin';
    if ((await this.#store.read((db) => countUsers(db))) > 0) return { created: false, username };
    const generated =
      options.password === undefined ? randomBytes(18).toString('base64url') : undefined;
    const passwordHash = await hashPassword(checkPassword(options.password ?? generated!));
    try {
      const created = await this.#store.transaction(async (tx) => {
        if ((await countUsers(tx)) > 0) return false;
        await insertUser(tx, {
          userId: randomUUID(),
          username,
          role: 'admin',
          passwordHash,
          now: this.#now(),
        });
        return true;
      });
      if (!created) return { created: false, username };
    } catch (error) {
      // Another process created it meanwhile.
      if (isUniqueViolation(error)) return { created: false, username };
      throw error;
    }
    return generated === undefined
      ? { created: true, username }
      : { created: true, username, generatedPassword: generated };
  }

  async #accessToken(user: UserAccountRecord): Promise<string> {
    const { token } = await signAccessToken(this.#key, {
      sub: user.userId,
      role: user.role ?? 'viewer',
      username: user.username,
    });
    return token;
  }
}
