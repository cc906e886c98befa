/**
 * A real Flowgate server for the browser tests: a SQLite file, workers running, the built UI, listening on
 * 127.0.0.1 on a port the kernel picks. SQLite only: these tests are about the UI, and the API under it is tested on
 * both databases by test/http.
 */
import { AuthService } from '../../../src/auth/auth-service.js';
import { buildServer, type FlowgateServer } from '../../../src/http/build-server.js';
import type { FlowgateOptions } from '../../../src/app/flowgate.js';
import { systemClock } from '../../../src/shared/clock.js';
import { startTestFlowgate, type TestFlowgate } from '../../helpers/flowgate.js';
import { ensureWebBuilt } from './web-build.js';

export const PASSWORD = 'p4ssword-long-enough';
const SECRET = 'a-test-secret-of-at-least-32-characters!';
const WAIT_MS = 10_000;

/** alice starts runs; bob and carol approve; vera only reads; admin administers. */
export const USERS = [
  { username: 'admin', role: 'admin', fullName: 'Ada Admin' },
  { username: 'alice', role: 'user', fullName: 'Alice Author' },
  { username: 'bob', role: 'user', fullName: 'Bob Approver' },
  { username: 'carol', role: 'user', fullName: 'Carol Approver' },
  { username: 'vera', role: 'viewer', fullName: 'Vera Viewer' },
] as const;

export interface UiServer {
  readonly t: TestFlowgate;
  readonly app: FlowgateServer;
  readonly url: string;
  /** Starts a run of a stored DAG as alice and returns its one pending request. */
  gatedRun(dagId: string, input?: unknown): Promise<{ workflowId: string; requestId: string }>;
  /** Calls the API as a user (a fresh login each time: tests call it rarely). */
  call(
    username: string,
    method: 'GET' | 'POST' | 'PATCH' | 'PUT',
    url: string,
    payload?: unknown,
  ): Promise<{ status: number; body: unknown }>;
  close(): Promise<void>;
}

export async function startUiServer(options: Omit<FlowgateOptions, 'db'> = {}): Promise<UiServer> {
  const webRoot = (await ensureWebBuilt()).root;
  const t = await startTestFlowgate('sqlite', options);
  const auth = new AuthService({ store: t.flowgate.store, clock: systemClock, jwtSecret: SECRET });
  for (const user of USERS) {
    await auth.createUser({
      username: user.username,
      password: PASSWORD,
      role: user.role,
      fullName: user.fullName,
    });
  }
  const app = buildServer({
    flowgate: t.flowgate,
    auth,
    webRoot,
    loginRateLimit: { max: 10_000, timeWindowMs: 60_000 },
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('no address');

  const call: UiServer['call'] = async (username, method, url, payload) => {
    const login = await app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { username, password: PASSWORD },
    });
    const { accessToken } = login.json<{ accessToken: string }>();
    const response = await app.inject({
      method,
      url,
      headers: { authorization: `Bearer ${accessToken}` },
      ...(payload !== undefined ? { payload: payload as object } : {}),
    });
    return { status: response.statusCode, body: response.body ? response.json() : null };
  };

  return {
    t,
    app,
    url: `http://127.0.0.1:${address.port}`,
    async gatedRun(dagId, input) {
      const { workflowId } = await t.flowgate.start(dagId, {
        startedBy: 'alice',
        ...(input !== undefined ? { input } : {}),
      });
      await t.flowgate.waitFor(workflowId, { until: ['paused'], timeoutMs: WAIT_MS });
      const { items } = await t.flowgate.listHitl({ workflowId });
      if (!items[0]) throw new Error(`run ${workflowId} raised no request`);
      return { workflowId, requestId: items[0].requestId };
    },
    call,
    async close() {
      await app.close();
      await t.close();
    },
  };
}
