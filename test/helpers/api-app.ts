import type { LightMyRequestResponse } from 'fastify';

import type { Flowgate } from '../../src/app/flowgate.js';
import { AuthService } from '../../src/auth/auth-service.js';
import { buildServer, type FlowgateServer } from '../../src/http/build-server.js';
import { systemClock } from '../../src/shared/clock.js';

export const API_SECRET = 'a-test-secret-of-at-least-32-characters!';
export const ADMIN_PASSWORD = 'admin-password-long-enough';
export const USER_PASSWORD = 'p4ssword-long-enough';

export interface ApiApp {
  readonly app: FlowgateServer;
  readonly auth: AuthService;
  /** An access token of a user made by {@link startApiApp} (`admin` included). */
  token(username: string): string;
  /** A request as that user, through Fastify's inject (no socket). */
  call(
    username: string,
    method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE',
    url: string,
    payload?: object,
  ): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

/**
 * The HTTP server as `serve` builds it over a test's Flowgate, with an admin and the given users (by role) signed in
 * once through `POST /api/auth/login`, as a client would.
 */
export async function startApiApp(
  flowgate: Flowgate,
  users: Readonly<Record<string, 'admin' | 'user' | 'viewer'>> = {},
): Promise<ApiApp> {
  const auth = new AuthService({
    store: flowgate.store,
    clock: systemClock,
    jwtSecret: API_SECRET,
  });
  await auth.ensureAdmin({ password: ADMIN_PASSWORD });
  for (const [username, role] of Object.entries(users)) {
    await auth.createUser({ username, password: USER_PASSWORD, role });
  }
  const app = buildServer({
    flowgate,
    auth,
    loginRateLimit: { max: 1000, timeWindowMs: 60_000 },
  });
  await app.ready();
  const tokens = new Map<string, string>();
  const logins: [string, string][] = [
    ['admin', ADMIN_PASSWORD],
    ...Object.keys(users).map((u): [string, string] => [u, USER_PASSWORD]),
  ];
  for (const [username, password] of logins) {
    const response = await app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { username, password },
    });
    if (response.statusCode !== 200)
      throw new Error(`${username} could not sign in: ${response.body}`);
    tokens.set(username, response.json<{ accessToken: string }>().accessToken);
  }
  const token = (username: string) => {
    const found = tokens.get(username);
    if (!found) throw new Error(`${username} is not a user of this test server`);
    return found;
  };
  return {
    app,
    auth,
    token,
    call: (username, method, url, payload) =>
      app.inject({
        method,
        url,
        headers: { authorization: `Bearer ${token(username)}` },
        ...(payload === undefined ? {} : { payload }),
      }),
    close: () => app.close(),
  };
}
