import { Writable } from 'node:stream';

import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { AuthService } from '../../src/auth/auth-service.js';
import { buildServer, type FlowgateServer } from '../../src/http/build-server.js';
import type { FlowgateApi } from '../../src/http/route-deps.js';
import { systemClock } from '../../src/shared/clock.js';
import { DIALECTS } from '../helpers/dialects.js';
import { startTestFlowgate, type TestFlowgate } from '../helpers/flowgate.js';

const SECRET = 'a-test-secret-of-at-least-32-characters!';
const ADMIN_PASSWORD = 'admin-password-long-enough';
const PASSWORD = 'p4ssword-long-enough';

/** Every route the server registers, as OpenAPI paths and methods. */
const ROUTES: readonly [string, string][] = [
  ['post', '/api/auth/login'],
  ['post', '/api/auth/refresh'],
  ['post', '/api/auth/logout'],
  ['get', '/api/me'],
  ['patch', '/api/me'],
  ['post', '/api/me/api-keys'],
  ['get', '/api/me/api-keys'],
  ['delete', '/api/me/api-keys/{id}'],
  ['post', '/api/users'],
  ['get', '/api/users'],
  ['patch', '/api/users/{id}'],
  ['get', '/api/health'],
];

/** An error answer: the status, the envelope of API.md, and never a stack trace. */
function expectError(response: LightMyRequestResponse, status: number, code: string) {
  expect(response.statusCode, response.body).toBe(status);
  expect(response.headers['content-type']).toMatch(/^application\/json/);
  const body = response.json<{ error: { code: string; message: string; details?: unknown } }>();
  expect(body.error.code).toBe(code);
  expect(typeof body.error.message).toBe('string');
  expect(Object.keys(body)).toEqual(['error']);
  expect(response.body).not.toMatch(/\bat .*\.(ts|js):\d+/);
  expect(response.body).not.toContain('"stack"');
  return body;
}

for (const dialect of DIALECTS) {
  describe(`${dialect}: HTTP server`, () => {
    let t: TestFlowgate;
    let auth: AuthService;
    let app: FlowgateServer;
    const logs: string[] = [];
    let counter = 0;

    const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
    const login = (username: string, password: string) =>
      app.inject({ method: 'POST', url: '/api/auth/login', payload: { username, password } });
    /** A fresh user with the role, signed in. */
    const newUser = async (role = 'user') => {
      const username = `user${++counter}`;
      await auth.createUser({ username, password: PASSWORD, role });
      const response = await login(username, PASSWORD);
      expect(response.statusCode, response.body).toBe(200);
      const pair = response.json<{ accessToken: string; refreshToken: string }>();
      return { username, ...pair };
    };
    const signInAdmin = async () => {
      const response = await login('admin', ADMIN_PASSWORD);
      return response.json<{ accessToken: string }>().accessToken;
    };

    beforeAll(async () => {
      t = await startTestFlowgate(dialect, { workers: false });
      auth = new AuthService({ store: t.flowgate.store, clock: systemClock, jwtSecret: SECRET });
      await auth.ensureAdmin({ password: ADMIN_PASSWORD });
      app = buildServer({
        flowgate: t.flowgate,
        auth,
        loginRateLimit: { max: 1000, timeWindowMs: 60_000 },
        logger: {
          level: 'error',
          stream: new Writable({
            write(chunk: Buffer, _encoding, done) {
              logs.push(chunk.toString());
              done();
            },
          }),
        },
      });
      // A route with a bug, to see what an unexpected error answers.
      app.get('/test/boom', () => {
        throw new Error('secret internals at /srv/db.ts:12');
      });
      await app.ready();
    });
    afterAll(async () => {
      await app?.close();
      await t?.close();
    });

    it('answers the health check', async () => {
      const response = await app.inject({ method: 'GET', url: '/api/health' });
      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual({ status: 'ok', database: 'ok' });
    });

    it('signs in, without ever showing a password hash', async () => {
      const response = await login('admin', ADMIN_PASSWORD);
      expect(response.statusCode, response.body).toBe(200);
      const body = response.json<Record<string, unknown>>();
      expect(Object.keys(body).sort()).toEqual(['accessToken', 'refreshToken', 'user']);
      expect(body.user).toMatchObject({ username: 'admin', role: 'admin', isActive: true });
      expect(response.body).not.toMatch(/argon2|passwordHash|password_hash/i);
    });

    it('answers an unknown user and a wrong password with the same 401', async () => {
      const unknown = await login('nobody-here', ADMIN_PASSWORD);
      const wrong = await login('admin', 'not-the-password');
      expectError(unknown, 401, 'UNAUTHENTICATED');
      expectError(wrong, 401, 'UNAUTHENTICATED');
      expect(wrong.body).toBe(unknown.body);
    });

    it('rotates refresh tokens; reusing a spent one is refused and revokes the family', async () => {
      const { refreshToken } = await newUser();
      const refresh = (token: string) =>
        app.inject({ method: 'POST', url: '/api/auth/refresh', payload: { refreshToken: token } });
      const first = await refresh(refreshToken);
      expect(first.statusCode, first.body).toBe(200);
      const next = first.json<{ accessToken: string; refreshToken: string }>();
      expect(next.refreshToken).not.toBe(refreshToken);
      expect(next.accessToken).toBeTruthy();

      expectError(await refresh(refreshToken), 401, 'UNAUTHENTICATED');
      // The reuse revoked the whole family, the newest token included.
      expectError(await refresh(next.refreshToken), 401, 'UNAUTHENTICATED');
    });

    it('logs out: the refresh token is spent', async () => {
      const { refreshToken } = await newUser();
      const logout = await app.inject({
        method: 'POST',
        url: '/api/auth/logout',
        payload: { refreshToken },
      });
      expect(logout.statusCode, logout.body).toBe(204);
      expect(logout.body).toBe('');
      const refresh = await app.inject({
        method: 'POST',
        url: '/api/auth/refresh',
        payload: { refreshToken },
      });
      expectError(refresh, 401, 'UNAUTHENTICATED');
      expectError(
        await app.inject({
          method: 'POST',
          url: '/api/auth/logout',
          payload: { refreshToken: 'not-a-token' },
        }),
        401,
        'UNAUTHENTICATED',
      );
    });

    it('GET /api/me with an access token; 401 without one or with a bad one', async () => {
      const { username, accessToken } = await newUser('viewer');
      const me = await app.inject({ method: 'GET', url: '/api/me', headers: bearer(accessToken) });
      expect(me.statusCode, me.body).toBe(200);
      expect(me.json()).toMatchObject({ username, role: 'viewer' });
      expect(me.body).not.toMatch(/argon2|passwordHash/i);

      expectError(await app.inject({ method: 'GET', url: '/api/me' }), 401, 'UNAUTHENTICATED');
      for (const authorization of ['Bearer nonsense', 'Basic abc', `Bearer ${accessToken}x`]) {
        expectError(
          await app.inject({ method: 'GET', url: '/api/me', headers: { authorization } }),
          401,
          'UNAUTHENTICATED',
        );
      }
    });

    it('PATCH /api/me replaces the preferences', async () => {
      const { accessToken } = await newUser();
      const preferences = { theme: 'dark', notifications: { email: false } };
      const response = await app.inject({
        method: 'PATCH',
        url: '/api/me',
        headers: bearer(accessToken),
        payload: { preferences },
      });
      expect(response.statusCode, response.body).toBe(200);
      expect(response.json()).toMatchObject({ preferences });
      const wrong = await app.inject({
        method: 'PATCH',
        url: '/api/me',
        headers: bearer(accessToken),
        payload: { preferences: { theme: 3 } },
      });
      expectError(wrong, 400, 'BAD_REQUEST');
    });

    it('creates, lists, uses and deletes API keys; the secret is shown once', async () => {
      const { username, accessToken } = await newUser();
      const created = await app.inject({
        method: 'POST',
        url: '/api/me/api-keys',
        headers: bearer(accessToken),
        payload: { name: 'ci' },
      });
      expect(created.statusCode, created.body).toBe(201);
      const key = created.json<{ id: string; key: string; prefix: string; name: string }>();
      expect(Object.keys(key).sort()).toEqual(['createdAt', 'id', 'key', 'name', 'prefix']);
      expect(key.key.startsWith(key.prefix)).toBe(true);

      const me = await app.inject({ method: 'GET', url: '/api/me', headers: bearer(key.key) });
      expect(me.statusCode, me.body).toBe(200);
      expect(me.json()).toMatchObject({ username });

      const list = await app.inject({
        method: 'GET',
        url: '/api/me/api-keys',
        headers: bearer(accessToken),
      });
      expect(list.statusCode).toBe(200);
      const { items } = list.json<{ items: { id: string; name: string }[] }>();
      expect(items).toEqual([
        expect.objectContaining({ id: key.id, name: 'ci', prefix: key.prefix }),
      ]);
      expect(list.body).not.toContain(key.key);

      const remove = (id: string) =>
        app.inject({
          method: 'DELETE',
          url: `/api/me/api-keys/${id}`,
          headers: bearer(accessToken),
        });
      expect((await remove(key.id)).statusCode).toBe(204);
      expectError(
        await app.inject({ method: 'GET', url: '/api/me', headers: bearer(key.key) }),
        401,
        'UNAUTHENTICATED',
      );
      expectError(await remove('00000000-0000-0000-0000-000000000000'), 404, 'NOT_FOUND');
    });

    it('user administration is for admins: 401 anonymous, 403 for a user', async () => {
      const { accessToken } = await newUser();
      const requests = [
        { method: 'GET', url: '/api/users' },
        {
          method: 'POST',
          url: '/api/users',
          payload: { username: 'mallory', password: PASSWORD, role: 'admin' },
        },
        { method: 'PATCH', url: '/api/users/some-id', payload: { role: 'admin' } },
      ] as const;
      for (const request of requests) {
        expectError(await app.inject(request), 401, 'UNAUTHENTICATED');
        expectError(
          await app.inject({ ...request, headers: bearer(accessToken) }),
          403,
          'FORBIDDEN',
        );
      }
    });

    it('an admin creates, lists and deactivates users', async () => {
      const admin = bearer(await signInAdmin());
      const created = await app.inject({
        method: 'POST',
        url: '/api/users',
        headers: admin,
        payload: { username: 'carol', password: PASSWORD, role: 'user', fullName: 'Carol C' },
      });
      expect(created.statusCode, created.body).toBe(201);
      const carol = created.json<{ userId: string }>();
      expect(carol).toMatchObject({ username: 'carol', role: 'user', fullName: 'Carol C' });
      expect(created.body).not.toMatch(/argon2|passwordHash/i);

      const again = await app.inject({
        method: 'POST',
        url: '/api/users',
        headers: admin,
        payload: { username: 'carol', password: PASSWORD, role: 'user' },
      });
      expectError(again, 409, 'CONFLICT');

      const list = await app.inject({ method: 'GET', url: '/api/users', headers: admin });
      expect(list.statusCode).toBe(200);
      const page = list.json<{ items: { username: string }[]; nextCursor: null }>();
      expect(page.nextCursor).toBeNull();
      expect(page.items.map((u) => u.username)).toEqual(expect.arrayContaining(['admin', 'carol']));
      expect(list.body).not.toMatch(/argon2|passwordHash/i);

      const patched = await app.inject({
        method: 'PATCH',
        url: `/api/users/${carol.userId}`,
        headers: admin,
        payload: { isActive: false },
      });
      expect(patched.statusCode, patched.body).toBe(200);
      expect(patched.json()).toMatchObject({ isActive: false });
      expectError(await login('carol', PASSWORD), 401, 'UNAUTHENTICATED');

      const missing = await app.inject({
        method: 'PATCH',
        url: '/api/users/no-such-user',
        headers: admin,
        payload: { role: 'viewer' },
      });
      expectError(missing, 404, 'NOT_FOUND');
    });

    it('malformed JSON is 400 in the error envelope', async () => {
      const response = await app.inject({
        method: 'POST',
        url: '/api/auth/login',
        headers: { 'content-type': 'application/json' },
        payload: '{"username": "admin", ',
      });
      expectError(response, 400, 'BAD_REQUEST');
    });

    it('wrong types are 400 with every issue and its path', async () => {
      const response = await app.inject({
        method: 'POST',
        url: '/api/auth/login',
        payload: { username: 42, password: ['x'] },
      });
      const body = expectError(response, 400, 'BAD_REQUEST');
      expect(body.error.details).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ in: 'body', path: '/username' }),
          expect.objectContaining({ in: 'body', path: '/password' }),
        ]),
      );
      const admin = bearer(await signInAdmin());
      const badRole = await app.inject({
        method: 'POST',
        url: '/api/users',
        headers: admin,
        payload: { username: 'dave', password: PASSWORD, role: 'overlord' },
      });
      const roleBody = expectError(badRole, 400, 'BAD_REQUEST');
      expect(roleBody.error.details).toEqual([expect.objectContaining({ path: '/role' })]);
    });

    it('a body over 1 MiB is 413', async () => {
      const response = await app.inject({
        method: 'POST',
        url: '/api/auth/login',
        payload: { username: 'admin', password: 'x'.repeat(1024 * 1024) },
      });
      expectError(response, 413, 'PAYLOAD_TOO_LARGE');
    });

    it('an anonymous caller learns 401 before anything is made of its body', async () => {
      const malformed = await app.inject({
        method: 'POST',
        url: '/api/dags',
        headers: { 'content-type': 'application/json' },
        payload: '{"dag_id": ',
      });
      expectError(malformed, 401, 'UNAUTHENTICATED');
      const oversized = await app.inject({
        method: 'POST',
        url: '/api/dags',
        payload: { dag_id: 'x'.repeat(2 * 1024 * 1024) },
      });
      expectError(oversized, 401, 'UNAUTHENTICATED');
      const wrongTypes = await app.inject({
        method: 'POST',
        url: '/api/users',
        payload: { username: 42 },
      });
      expectError(wrongTypes, 401, 'UNAUTHENTICATED');
    });
    it('an unknown route is 404 JSON', async () => {
      const response = await app.inject({ method: 'GET', url: '/api/nothing?x=1' });
      const body = expectError(response, 404, 'NOT_FOUND');
      expect(body.error.message).toContain('/api/nothing');
    });

    it('an unexpected error is a generic 500, logged with its stack but never sent', async () => {
      logs.length = 0;
      const response = await app.inject({ method: 'GET', url: '/test/boom' });
      const body = expectError(response, 500, 'INTERNAL');
      expect(response.body).not.toContain('secret internals');
      expect(body.error.message).toBe('Internal error.');
      expect(logs.join('')).toContain('secret internals');
      expect(logs.join('')).toContain('"stack"');
    });

    it('serves the OpenAPI document of every route, and the docs UI', async () => {
      const response = await app.inject({ method: 'GET', url: '/api/openapi.json' });
      expect(response.statusCode).toBe(200);
      const document = JSON.parse(response.body) as {
        openapi: string;
        paths: Record<string, Record<string, unknown>>;
      };
      expect(document.openapi).toMatch(/^3\.\d+\.\d+$/);
      for (const [method, path] of ROUTES) {
        expect(document.paths[path]?.[method], `${method} ${path}`).toBeDefined();
      }
      expect(Object.keys(document.paths)).not.toContain('/test/boom');
      expect(JSON.stringify(document.paths['/api/auth/login'])).toContain('username');

      const docs = await app.inject({ method: 'GET', url: '/docs' });
      expect([200, 302]).toContain(docs.statusCode);
    });

    it('listens on a real port', async () => {
      const server = buildServer({ flowgate: t.flowgate, auth });
      try {
        await server.listen({ host: '127.0.0.1', port: 0 });
        const { port } = server.server.address() as { port: number };
        const health = await fetch(`http://127.0.0.1:${port}/api/health`);
        expect(health.status).toBe(200);
        expect(await health.json()).toEqual({ status: 'ok', database: 'ok' });
        const signedIn = await fetch(`http://127.0.0.1:${port}/api/auth/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ username: 'admin', password: ADMIN_PASSWORD }),
        });
        expect(signedIn.status).toBe(200);
        const { accessToken } = (await signedIn.json()) as { accessToken: string };
        const me = await fetch(`http://127.0.0.1:${port}/api/me`, {
          headers: { authorization: `Bearer ${accessToken}` },
        });
        expect(await me.json()).toMatchObject({ username: 'admin' });
      } finally {
        await server.close();
      }
    });

    it('limits login attempts per client address (429)', async () => {
      const limited = buildServer({
        flowgate: t.flowgate,
        auth,
        loginRateLimit: { max: 3, timeWindowMs: 60_000 },
      });
      try {
        for (let i = 0; i < 3; i++) {
          expectError(
            await limited.inject({
              method: 'POST',
              url: '/api/auth/login',
              payload: { username: 'admin', password: 'wrong-password' },
            }),
            401,
            'UNAUTHENTICATED',
          );
        }
        const refused = await limited.inject({
          method: 'POST',
          url: '/api/auth/login',
          payload: { username: 'admin', password: ADMIN_PASSWORD },
        });
        expectError(refused, 429, 'RATE_LIMITED');
        expect(refused.headers['retry-after']).toBeDefined();
        // Other routes are not limited.
        const health = await limited.inject({ method: 'GET', url: '/api/health' });
        expect(health.statusCode).toBe(200);
      } finally {
        await limited.close();
      }
    });

    it('health is 503 when the database read fails', async () => {
      const broken = buildServer({
        // Only the health check's read is used here.
        flowgate: {
          countWorkflows: () => Promise.reject(new Error('database is locked')),
        } as Partial<FlowgateApi> as FlowgateApi,
        auth,
      });
      try {
        const response = await broken.inject({ method: 'GET', url: '/api/health' });
        expect(response.statusCode).toBe(503);
        expect(response.json()).toEqual({ status: 'error', database: 'error' });
      } finally {
        await broken.close();
      }
    });
  });
}
