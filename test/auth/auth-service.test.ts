import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { AuthService } from '../../src/auth/auth-service.js';
import { signAccessToken, verifyAccessToken } from '../../src/auth/tokens.js';
import { ManualClock } from '../../src/shared/clock.js';
import { FlowgateError } from '../../src/shared/errors.js';
import { openStore } from '../../src/store/open-store.js';
import type { Store } from '../../src/store/port.js';
import { getSession } from '../../src/store/repositories/sessions.js';
import { findRefreshToken } from '../../src/store/repositories/refresh-tokens.js';
import { hashSecret } from '../../src/auth/tokens.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../helpers/dialects.js';

const SECRET = 'a-test-secret-of-at-least-32-characters!';
const PASSWORD = 'p4ssword-long-enough';

async function refusal(promise: Promise<unknown>): Promise<FlowgateError> {
  const error: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(FlowgateError);
  return error as FlowgateError;
}

async function sessionOf(store: Store, refreshToken: string) {
  return store.read(async (db) => {
    const token = await findRefreshToken(db, hashSecret(refreshToken));
    return token?.sessionId ? getSession(db, token.sessionId) : undefined;
  });
}

for (const dialect of DIALECTS) {
  describe(`${dialect}: auth`, () => {
    let db: TestDatabase;
    let store: Store;
    let clock: ManualClock;
    let auth: AuthService;
    let counter = 0;
    /** A fresh user per test: the tests share one database. */
    const newUser = async (role = 'user') => {
      const username = `user${++counter}`;
      const user = await auth.createUser({ username, password: PASSWORD, role });
      return user;
    };

    beforeAll(async () => {
      db = await createTestDatabase(dialect);
      store = await openStore(db.url);
      await store.migrateToLatest();
      clock = new ManualClock();
      auth = new AuthService({ store, clock, jwtSecret: SECRET });
    });
    afterAll(async () => {
      await store.close();
      await db.drop();
    });

    it('creates the admin on a first start only, with a generated password it returns once', async () => {
      const first = await auth.ensureAdmin();
      expect(first.created).toBe(true);
      expect(first.generatedPassword).toMatch(/^[A-Za-z0-9_-]{24}$/);
      expect(await auth.ensureAdmin({ password: 'another-password' })).toEqual({
        created: false,
        username: 'admin',
      });
      const login = await auth.login({ username: 'admin', password: first.generatedPassword! });
      expect(login.user).toMatchObject({ username: 'admin', role: 'admin', isActive: true });
      const users = await auth.listUsers();
      expect(users.map((u) => u.username)).toEqual(['admin']);
      expect(JSON.stringify(users)).not.toContain('argon2');
    });

    it('validates roles and refuses a taken username', async () => {
      const user = await newUser('viewer');
      expect(user).toMatchObject({ role: 'viewer', isActive: true, preferences: null });
      expect(
        (
          await refusal(
            auth.createUser({ username: user.username, password: PASSWORD, role: 'user' }),
          )
        ).code,
      ).toBe('CONFLICT');
      expect(
        (await refusal(auth.createUser({ username: 'someone', password: PASSWORD, role: 'root' })))
          .code,
      ).toBe('VALIDATION_FAILED');
      expect((await refusal(auth.updateUser(user.userId, { role: 'owner' }))).code).toBe(
        'VALIDATION_FAILED',
      );
      expect((await refusal(auth.updateUser('no-such-id', { role: 'user' }))).code).toBe(
        'NOT_FOUND',
      );
      const updated = await auth.updateUser(user.userId, {
        role: 'admin',
        email: 'v@example.com',
        preferences: { theme: 'dark', timezone: 'Europe/Paris' },
      });
      expect(updated).toMatchObject({
        role: 'admin',
        email: 'v@example.com',
        preferences: { theme: 'dark', timezone: 'Europe/Paris' },
      });
    });

    it('logs in, and answers an unknown user and a wrong password alike', async () => {
      const user = await newUser();
      const pair = await auth.login({
        username: user.username,
        password: PASSWORD,
        ip: '10.0.0.1',
        userAgent: 'vitest',
      });
      expect(pair.user.lastLogin).toBe(new Date(clock.now()).toISOString());
      const actor = await auth.authenticate(`Bearer ${pair.accessToken}`);
      expect(actor).toMatchObject({
        userId: user.userId,
        username: user.username,
        roles: ['user'],
      });
      expect(await sessionOf(store, pair.refreshToken)).toMatchObject({
        userId: user.userId,
        status: 'active',
        ip: '10.0.0.1',
        userAgent: 'vitest',
      });

      const unknown = await refusal(auth.login({ username: 'nobody', password: PASSWORD }));
      const wrong = await refusal(auth.login({ username: user.username, password: 'wrong-pass' }));
      expect(unknown.code).toBe('UNAUTHENTICATED');
      expect([wrong.code, wrong.message]).toEqual([unknown.code, unknown.message]);
    });

    it('rotates refresh tokens; reusing a spent one revokes the family, the newest included', async () => {
      const user = await newUser();
      const login = await auth.login({ username: user.username, password: PASSWORD });
      const second = await auth.refresh(login.refreshToken);
      expect(second.refreshToken).not.toBe(login.refreshToken);
      expect((await auth.authenticate(second.accessToken)).userId).toBe(user.userId);
      const third = await auth.refresh(second.refreshToken);

      // The first token was spent: presenting it again is theft or a bug, and ends the whole login.
      expect((await refusal(auth.refresh(login.refreshToken))).code).toBe('UNAUTHENTICATED');
      expect((await refusal(auth.refresh(third.refreshToken))).code).toBe('UNAUTHENTICATED');
      expect((await sessionOf(store, login.refreshToken))?.status).toBe('completed');
      expect((await refusal(auth.refresh('not-a-token'))).code).toBe('UNAUTHENTICATED');
    });

    it('logs out: the refresh token stops working and the session is completed', async () => {
      const user = await newUser();
      const login = await auth.login({ username: user.username, password: PASSWORD });
      await auth.logout(login.refreshToken);
      await auth.logout(login.refreshToken);
      expect((await refusal(auth.refresh(login.refreshToken))).code).toBe('UNAUTHENTICATED');
      expect((await sessionOf(store, login.refreshToken))?.status).toBe('completed');
      expect((await refusal(auth.logout('unknown'))).code).toBe('UNAUTHENTICATED');
    });

    it('expires refresh tokens (and their session) and access tokens', async () => {
      const user = await newUser();
      const login = await auth.login({ username: user.username, password: PASSWORD });
      clock.advance(14 * 60 * 1000);
      await auth.authenticate(login.accessToken);
      clock.advance(2 * 60 * 1000);
      const expired = await refusal(auth.authenticate(login.accessToken));
      expect([expired.code, expired.message]).toEqual([
        'UNAUTHENTICATED',
        'The access token has expired.',
      ]);

      clock.advance(31 * 24 * 60 * 60 * 1000);
      expect((await refusal(auth.refresh(login.refreshToken))).code).toBe('UNAUTHENTICATED');
      expect((await sessionOf(store, login.refreshToken))?.status).toBe('expired');
    });

    it('refuses an access token signed with another secret or tampered with', async () => {
      const key = { secret: SECRET, clock };
      const { token } = await signAccessToken(key, { sub: 'x', role: 'admin', username: 'x' });
      expect((await verifyAccessToken(key, token)).role).toBe('admin');
      const other = { secret: 'another-secret-of-at-least-32-characters', clock };
      expect((await refusal(verifyAccessToken(other, token))).code).toBe('UNAUTHENTICATED');
      const [h, , s] = token.split('.');
      const forged = `${h}.${Buffer.from('{"sub":"x","role":"admin"}').toString('base64url')}.${s}`;
      expect((await refusal(verifyAccessToken(key, forged))).code).toBe('UNAUTHENTICATED');
      // A valid signature for a user that does not exist is no actor either.
      expect((await refusal(auth.authenticate(token))).code).toBe('UNAUTHENTICATED');
    });

    it('creates, lists, authenticates with and revokes API keys', async () => {
      const user = await newUser();
      const other = await newUser();
      const created = await auth.createApiKey(user.userId, 'ci');
      expect(created.key).toMatch(/^fg_[A-Za-z0-9_-]{43}$/);
      expect(created.key.startsWith(created.prefix)).toBe(true);

      clock.advance(1000);
      const actor = await auth.authenticate(`Bearer ${created.key}`);
      expect(actor).toMatchObject({ userId: user.userId, roles: ['user'] });

      const [listed, ...rest] = await auth.listApiKeys(user.userId);
      expect(rest).toEqual([]);
      expect(listed).toMatchObject({ keyId: created.keyId, name: 'ci', prefix: created.prefix });
      expect(listed!.lastUsedAt).toBe(new Date(clock.now()).toISOString());
      expect(JSON.stringify(listed)).not.toContain(created.key.slice(12));

      expect((await refusal(auth.revokeApiKey(other.userId, created.keyId))).code).toBe(
        'NOT_FOUND',
      );
      await auth.revokeApiKey(user.userId, created.keyId);
      expect((await refusal(auth.authenticate(created.key))).code).toBe('UNAUTHENTICATED');
      expect((await auth.listApiKeys(user.userId))[0]!.revokedAt).not.toBeNull();
      expect((await refusal(auth.authenticate('fg_unknown'))).code).toBe('UNAUTHENTICATED');
    });

    it('a deactivated user can neither log in, refresh, nor use a token or key', async () => {
      const user = await newUser();
      const login = await auth.login({ username: user.username, password: PASSWORD });
      const key = await auth.createApiKey(user.userId, 'script');
      await auth.updateUser(user.userId, { isActive: false });

      const unknown = await refusal(auth.login({ username: 'nobody', password: PASSWORD }));
      const inactive = await refusal(auth.login({ username: user.username, password: PASSWORD }));
      expect([inactive.code, inactive.message]).toEqual([unknown.code, unknown.message]);
      expect((await refusal(auth.refresh(login.refreshToken))).code).toBe('UNAUTHENTICATED');
      expect((await refusal(auth.authenticate(login.accessToken))).code).toBe('UNAUTHENTICATED');
      expect((await refusal(auth.authenticate(key.key))).code).toBe('UNAUTHENTICATED');
      expect((await sessionOf(store, login.refreshToken))?.status).toBe('completed');

      // Reactivated, the user logs in again; the old refresh token stays revoked.
      await auth.updateUser(user.userId, { isActive: true });
      await auth.login({ username: user.username, password: PASSWORD });
      expect((await refusal(auth.refresh(login.refreshToken))).code).toBe('UNAUTHENTICATED');
      expect((await auth.authenticate(key.key)).userId).toBe(user.userId);
    });

    it('changes a password', async () => {
      const user = await newUser();
      await auth.updateUser(user.userId, { password: 'a-new-password' });
      expect(
        (await refusal(auth.login({ username: user.username, password: PASSWORD }))).code,
      ).toBe('UNAUTHENTICATED');
      await auth.login({ username: user.username, password: 'a-new-password' });
      expect((await refusal(auth.updateUser(user.userId, { password: 'short' }))).code).toBe(
        'VALIDATION_FAILED',
      );
    });
  });

  describe(`${dialect}: auth migration`, () => {
    it('0002 goes down and up again', async () => {
      const db = await createTestDatabase(dialect);
      const store = await openStore(db.url);
      try {
        await store.migrateToLatest();
        // Down through the later migrations (schedules, snapshots, ...) until 0002's tables are gone.
        const hasApiKeys = async () =>
          (await store.read((q) => q.introspection.getTables())).some((t) => t.name === 'api_keys');
        for (let steps = 0; steps < 20 && (await hasApiKeys()); steps++) await store.migrateDown();
        const tables = await store.read((q) => q.introspection.getTables());
        const names = tables.map((t) => t.name);
        expect(names).not.toContain('refresh_tokens');
        expect(names).not.toContain('api_keys');
        const users = tables.find((t) => t.name === 'users')!;
        expect(users.columns.map((c) => c.name)).not.toContain('password_hash');
        expect(names).toContain('sessions');
        await store.migrateToLatest();
        const again = await store.read((q) => q.introspection.getTables());
        expect(again.map((t) => t.name)).toContain('api_keys');
      } finally {
        await store.close();
        await db.drop();
      }
    });
  });
}
