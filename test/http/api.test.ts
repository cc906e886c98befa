/**
 * The DAG, workflow and HITL routes: an authorization matrix generated from one table (every route × every kind of
 * caller), then the behaviour of each route group. Both dialects; each user signs in once.
 */
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { AuthService } from '../../src/auth/auth-service.js';
import { buildServer, type FlowgateServer } from '../../src/http/build-server.js';
import { systemClock } from '../../src/shared/clock.js';
import { DIALECTS } from '../helpers/dialects.js';
import { plan, startTestFlowgate, type TestFlowgate } from '../helpers/flowgate.js';

const SECRET = 'a-test-secret-of-at-least-32-characters!';
const ADMIN_PASSWORD = 'admin-password-long-enough';
const PASSWORD = 'p4ssword-long-enough';

const CALLERS = ['anonymous', 'viewer', 'outsider', 'editor', 'approver', 'admin'] as const;
type Caller = (typeof CALLERS)[number];

/** The users behind the callers: usernames and roles (admin is created by ensureAdmin). */
const USERS = {
  alice: 'user', // owner of the private DAG, starter of its runs
  eddie: 'user', // editor
  vera: 'viewer', // a viewer account, listed as a viewer of the DAG
  olly: 'user', // not permitted on the private DAG
  appr: 'user', // the human node's approver, listed as a viewer of the DAG
} as const;
const USER_OF: Record<Exclude<Caller, 'anonymous'>, string> = {
  viewer: 'vera',
  outsider: 'olly',
  editor: 'eddie',
  approver: 'appr',
  admin: 'admin',
};

const PERMISSIONS = {
  owners: ['alice'],
  editors: ['eddie'],
  viewers: ['vera', 'appr'],
  isPublic: false,
};

/** A private DAG: prepare → approval (by appr) → pay. */
const privateDag = (dagId: string, extra: Record<string, unknown> = {}) =>
  plan(
    dagId,
    [
      { id: 'prepare', agent: 'echo_agent', config: { input: { amount: 120 } } },
      {
        id: 'approval',
        type: 'human_in_loop',
        deps: ['prepare'],
        config: { approvers: [{ user: 'appr' }] },
      },
      { id: 'pay', deps: ['approval'], config: { input: '{{ nodes.approval.output }}' } },
    ],
    { permissions: PERMISSIONS, ...extra },
  );

/** A public DAG without permissions: owned by its creator. */
const publicDag = (dagId: string) =>
  plan(dagId, [{ id: 'only', agent: 'echo_agent', config: { input: { ok: true } } }]);

interface Fixture {
  readonly dagId: string;
  readonly workflowId: string;
  readonly requestId: string;
  /** The run's newest snapshot (after `prepare`). */
  readonly snapshotId?: string;
  /** A schedule and a trigger of the private DAG. */
  readonly scheduleId?: string;
  readonly triggerId?: string;
  /** A webhook subscription and one of its deliveries. */
  readonly webhookId?: string;
  readonly deliveryId?: string;
  /** A chat destination. */
  readonly chatId?: string;
}

type FixtureKind =
  'gated' | 'paused' | 'cancelled' | 'dag' | 'schedule' | 'trigger' | 'webhook' | 'chat';

interface RouteCase {
  readonly method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** The route as registered (OpenAPI path), to check that the table names every route. */
  readonly route: string;
  readonly url: (f: Fixture) => string;
  readonly payload?: (f: Fixture) => unknown;
  /** What a successful call needs, fresh: a run waiting on its gate, a user-paused run, a cancelled run, a DAG. */
  readonly fresh?: FixtureKind;
  readonly expect: Readonly<Record<Caller, number>>;
}

let unique = 0;
const next = () => `${Date.now().toString(36)}${++unique}`;

const READ = { anonymous: 401, viewer: 200, outsider: 404, editor: 200, approver: 200, admin: 200 };
const LIST = { anonymous: 401, viewer: 200, outsider: 200, editor: 200, approver: 200, admin: 200 };
const CONTROL = {
  anonymous: 401,
  viewer: 403,
  outsider: 404,
  editor: 200,
  approver: 403,
  admin: 200,
};
const DECIDE = {
  anonymous: 401,
  viewer: 403,
  outsider: 404,
  editor: 403,
  approver: 200,
  admin: 403,
};
/** Schedules and triggers of the private DAG: its editors (and admins) set them up; viewers never. */
const SCHEDULE = {
  anonymous: 401,
  viewer: 403,
  outsider: 404,
  editor: 201,
  approver: 403,
  admin: 201,
};
const UNSCHEDULE = {
  anonymous: 401,
  viewer: 403,
  outsider: 404,
  editor: 204,
  approver: 403,
  admin: 204,
};
/** Never fires while the tests run: 29 February. */
const RARE_CRON = '0 0 29 2 *';

const CREATE = {
  anonymous: 401,
  viewer: 403,
  outsider: 201,
  editor: 201,
  approver: 201,
  admin: 201,
};

/** Webhooks are an operator's business: admins only. */
const ADMIN_ONLY = (status: number) => ({
  anonymous: 401,
  viewer: 403,
  outsider: 403,
  editor: 403,
  approver: 403,
  admin: status,
});
/** Refused at connect time (nothing listens on port 9), allow-listed so that it saves. */
const HOOK_URL = 'http://127.0.0.1:9/hook';

/** The authorization matrix: every route of the three groups, and what each caller gets. */
const MATRIX: readonly RouteCase[] = [
  {
    method: 'POST',
    route: '/api/dags',
    url: () => '/api/dags',
    payload: () => publicDag(`new_${next()}`),
    expect: CREATE,
  },
  { method: 'GET', route: '/api/dags', url: () => '/api/dags', expect: LIST },
  // Reads a document and stores nothing: everyone signed in.
  {
    method: 'POST',
    route: '/api/dags/import',
    url: () => '/api/dags/import',
    payload: () => ({ text: JSON.stringify(publicDag(`read_${next()}`)) }),
    expect: LIST,
  },
  { method: 'GET', route: '/api/dags/{dagId}', url: (f) => `/api/dags/${f.dagId}`, expect: READ },
  {
    method: 'PUT',
    route: '/api/dags/{dagId}',
    url: (f) => `/api/dags/${f.dagId}`,
    payload: (f) => privateDag(f.dagId, { description: `v ${next()}` }),
    expect: CONTROL,
  },
  {
    method: 'DELETE',
    route: '/api/dags/{dagId}',
    url: (f) => `/api/dags/${f.dagId}`,
    fresh: 'dag',
    expect: { anonymous: 401, viewer: 403, outsider: 404, editor: 403, approver: 403, admin: 204 },
  },
  {
    method: 'POST',
    route: '/api/workflows',
    url: () => '/api/workflows',
    payload: (f) => ({ dagId: f.dagId, input: { n: 1 } }),
    expect: { anonymous: 401, viewer: 403, outsider: 404, editor: 201, approver: 403, admin: 201 },
  },
  { method: 'GET', route: '/api/workflows', url: () => '/api/workflows', expect: LIST },
  {
    method: 'GET',
    route: '/api/workflows/{id}',
    url: (f) => `/api/workflows/${f.workflowId}`,
    expect: READ,
  },
  {
    method: 'GET',
    route: '/api/workflows/{id}/events',
    url: (f) => `/api/workflows/${f.workflowId}/events`,
    expect: READ,
  },
  ...(['pause', 'cancel', 'cancel-hitl'] as const).map((action): RouteCase => ({
    method: 'POST',
    route: `/api/workflows/{id}/${action}`,
    url: (f) => `/api/workflows/${f.workflowId}/${action}`,
    fresh: 'gated',
    expect: CONTROL,
  })),
  {
    method: 'POST',
    route: '/api/workflows/{id}/resume',
    url: (f) => `/api/workflows/${f.workflowId}/resume`,
    fresh: 'paused',
    expect: CONTROL,
  },
  {
    method: 'POST',
    route: '/api/workflows/{id}/retry',
    url: (f) => `/api/workflows/${f.workflowId}/retry`,
    fresh: 'cancelled',
    expect: CONTROL,
  },
  { method: 'GET', route: '/api/hitl', url: () => '/api/hitl', expect: LIST },
  {
    method: 'GET',
    route: '/api/hitl/{requestId}',
    url: (f) => `/api/hitl/${f.requestId}`,
    expect: READ,
  },
  {
    method: 'POST',
    route: '/api/hitl/{requestId}/approve',
    url: (f) => `/api/hitl/${f.requestId}/approve`,
    payload: () => ({ response: 'fine' }),
    fresh: 'gated',
    expect: DECIDE,
  },
  {
    method: 'POST',
    route: '/api/hitl/{requestId}/reject',
    url: (f) => `/api/hitl/${f.requestId}/reject`,
    payload: () => ({ response: 'no' }),
    fresh: 'gated',
    expect: DECIDE,
  },
  {
    method: 'POST',
    route: '/api/hitl/{requestId}/respond',
    url: (f) => `/api/hitl/${f.requestId}/respond`,
    payload: () => ({ value: { note: 'ok' } }),
    fresh: 'gated',
    expect: DECIDE,
  },
  {
    method: 'POST',
    route: '/api/hitl/{requestId}/cancel',
    url: (f) => `/api/hitl/${f.requestId}/cancel`,
    payload: () => ({ reason: 'not needed' }),
    fresh: 'gated',
    expect: CONTROL,
  },
  // Seed 003's endpoints.
  {
    method: 'POST',
    route: '/api/workflows/execute',
    url: () => '/api/workflows/execute',
    payload: (f) => ({ dagId: f.dagId, input: { n: 1 } }),
    expect: { anonymous: 401, viewer: 403, outsider: 404, editor: 201, approver: 403, admin: 201 },
  },
  {
    method: 'GET',
    route: '/api/workflows/approvals',
    url: () => '/api/workflows/approvals',
    expect: LIST,
  },
  {
    method: 'POST',
    route: '/api/workflows/approvals',
    url: () => '/api/workflows/approvals',
    payload: (f) => ({ gateId: f.requestId, decision: { approved: true, comment: 'fine' } }),
    fresh: 'gated',
    expect: DECIDE,
  },
  {
    method: 'DELETE',
    route: '/api/workflows/approvals',
    url: (f) => `/api/workflows/approvals?gateId=${f.requestId}`,
    fresh: 'gated',
    expect: CONTROL,
  },
  {
    method: 'GET',
    route: '/api/workflows/state',
    url: (f) => `/api/workflows/state?workflowId=${f.workflowId}`,
    expect: READ,
  },
  {
    method: 'PATCH',
    route: '/api/workflows/state',
    url: () => '/api/workflows/state',
    payload: (f) => ({ workflowId: f.workflowId, action: 'pause' }),
    fresh: 'gated',
    expect: CONTROL,
  },
  {
    method: 'DELETE',
    route: '/api/workflows/state',
    url: (f) => `/api/workflows/state?workflowId=${f.workflowId}`,
    fresh: 'gated',
    expect: CONTROL,
  },
  {
    method: 'GET',
    route: '/api/workflows/rollback',
    url: (f) => `/api/workflows/rollback?workflowId=${f.workflowId}`,
    expect: READ,
  },
  {
    method: 'POST',
    route: '/api/workflows/rollback',
    url: () => '/api/workflows/rollback',
    payload: (f) => ({ workflowId: f.workflowId, action: 'rollbackToLastSuccess' }),
    fresh: 'gated',
    expect: CONTROL,
  },
  // Snapshots and rollback.
  {
    method: 'GET',
    route: '/api/workflows/{id}/snapshots',
    url: (f) => `/api/workflows/${f.workflowId}/snapshots`,
    expect: READ,
  },
  {
    method: 'POST',
    route: '/api/workflows/{id}/rollback',
    url: (f) => `/api/workflows/${f.workflowId}/rollback`,
    payload: (f) => ({ snapshotId: f.snapshotId }),
    fresh: 'gated',
    expect: { ...CONTROL, editor: 202, admin: 202 },
  },
  // Schedules and triggers.
  {
    method: 'POST',
    route: '/api/dags/{dagId}/schedules',
    url: (f) => `/api/dags/${f.dagId}/schedules`,
    payload: () => ({ cron: RARE_CRON, timezone: 'Europe/Berlin' }),
    expect: SCHEDULE,
  },
  { method: 'GET', route: '/api/schedules', url: () => '/api/schedules', expect: LIST },
  {
    method: 'GET',
    route: '/api/schedules/{id}',
    url: (f) => `/api/schedules/${f.scheduleId}`,
    expect: READ,
  },
  {
    method: 'GET',
    route: '/api/schedules/{id}/history',
    url: (f) => `/api/schedules/${f.scheduleId}/history`,
    expect: READ,
  },
  {
    method: 'PATCH',
    route: '/api/schedules/{id}',
    url: (f) => `/api/schedules/${f.scheduleId}`,
    payload: () => ({ paused: true }),
    expect: CONTROL,
  },
  {
    method: 'DELETE',
    route: '/api/schedules/{id}',
    url: (f) => `/api/schedules/${f.scheduleId}`,
    fresh: 'schedule',
    expect: UNSCHEDULE,
  },
  {
    method: 'POST',
    route: '/api/dags/{dagId}/triggers',
    url: (f) => `/api/dags/${f.dagId}/triggers`,
    payload: () => ({ name: 'matrix' }),
    expect: SCHEDULE,
  },
  { method: 'GET', route: '/api/triggers', url: () => '/api/triggers', expect: LIST },
  // AI usage: everyone signed in, over the DAGs they may see.
  {
    method: 'GET',
    route: '/api/metrics/ai-usage',
    url: () => '/api/metrics/ai-usage',
    expect: LIST,
  },
  {
    method: 'GET',
    route: '/api/triggers/{id}',
    url: (f) => `/api/triggers/${f.triggerId}`,
    expect: READ,
  },
  {
    method: 'DELETE',
    route: '/api/triggers/{id}',
    url: (f) => `/api/triggers/${f.triggerId}`,
    fresh: 'trigger',
    expect: UNSCHEDULE,
  },
  // Webhooks.
  {
    method: 'POST',
    route: '/api/webhooks',
    url: () => '/api/webhooks',
    payload: () => ({ url: HOOK_URL, events: ['hitl.*'] }),
    expect: ADMIN_ONLY(201),
  },
  { method: 'GET', route: '/api/webhooks', url: () => '/api/webhooks', expect: ADMIN_ONLY(200) },
  {
    method: 'GET',
    route: '/api/metrics/notifications',
    url: () => '/api/metrics/notifications',
    expect: LIST,
  },
  {
    method: 'GET',
    route: '/api/webhooks/{id}',
    url: (f) => `/api/webhooks/${f.webhookId}`,
    expect: ADMIN_ONLY(200),
  },
  {
    method: 'PATCH',
    route: '/api/webhooks/{id}',
    url: (f) => `/api/webhooks/${f.webhookId}`,
    payload: () => ({ description: 'matrix' }),
    expect: ADMIN_ONLY(200),
  },
  {
    method: 'DELETE',
    route: '/api/webhooks/{id}',
    url: (f) => `/api/webhooks/${f.webhookId}`,
    fresh: 'webhook',
    expect: ADMIN_ONLY(204),
  },
  {
    method: 'POST',
    route: '/api/webhooks/{id}/rotate-secret',
    url: (f) => `/api/webhooks/${f.webhookId}/rotate-secret`,
    expect: ADMIN_ONLY(200),
  },
  {
    method: 'POST',
    route: '/api/webhooks/{id}/test',
    url: (f) => `/api/webhooks/${f.webhookId}/test`,
    expect: ADMIN_ONLY(202),
  },
  {
    method: 'GET',
    route: '/api/webhooks/{id}/deliveries',
    url: (f) => `/api/webhooks/${f.webhookId}/deliveries`,
    expect: ADMIN_ONLY(200),
  },
  {
    method: 'POST',
    route: '/api/webhooks/{id}/deliveries/{deliveryId}/redeliver',
    url: (f) => `/api/webhooks/${f.webhookId}/deliveries/${f.deliveryId}/redeliver`,
    expect: ADMIN_ONLY(202),
  },
  // Chat destinations.
  {
    method: 'POST',
    route: '/api/chat-destinations',
    url: () => '/api/chat-destinations',
    payload: () => ({ kind: 'slack', name: `matrix ${next()}`, url: HOOK_URL }),
    expect: ADMIN_ONLY(201),
  },
  {
    method: 'GET',
    route: '/api/chat-destinations',
    url: () => '/api/chat-destinations',
    expect: ADMIN_ONLY(200),
  },
  {
    method: 'GET',
    route: '/api/chat-destinations/{id}',
    url: (f) => `/api/chat-destinations/${f.chatId}`,
    expect: ADMIN_ONLY(200),
  },
  {
    method: 'PATCH',
    route: '/api/chat-destinations/{id}',
    url: (f) => `/api/chat-destinations/${f.chatId}`,
    payload: () => ({ active: true }),
    expect: ADMIN_ONLY(200),
  },
  {
    method: 'DELETE',
    route: '/api/chat-destinations/{id}',
    url: (f) => `/api/chat-destinations/${f.chatId}`,
    fresh: 'chat',
    expect: ADMIN_ONLY(204),
  },
  {
    method: 'POST',
    route: '/api/chat-destinations/{id}/test',
    url: (f) => `/api/chat-destinations/${f.chatId}/test`,
    expect: ADMIN_ONLY(202),
  },
  // Slack's clicks carry Slack's signature, not a bearer token; without a signing secret nobody gets in.
  {
    method: 'POST',
    route: '/api/integrations/slack/actions',
    url: () => '/api/integrations/slack/actions',
    payload: () => ({ payload: '{}' }),
    expect: {
      anonymous: 404,
      viewer: 404,
      outsider: 404,
      editor: 404,
      approver: 404,
      admin: 404,
    },
  },
];

/** An error answer in the envelope of API.md. */
function expectError(response: LightMyRequestResponse, status: number, code: string) {
  expect(response.statusCode, response.body).toBe(status);
  const body = response.json<{ error: { code: string; message: string; details?: unknown } }>();
  expect(body.error.code).toBe(code);
  return body;
}

for (const dialect of DIALECTS) {
  describe(`${dialect}: DAG, workflow and HITL routes`, () => {
    let t: TestFlowgate;
    let app: FlowgateServer;
    const tokens = new Map<string, string>();
    let shared: Fixture;

    const headersOf = (who: Caller | keyof typeof USERS): Record<string, string> => {
      if (who === 'anonymous') return {};
      const username = who in USER_OF ? USER_OF[who as keyof typeof USER_OF] : who;
      return { authorization: `Bearer ${tokens.get(username)!}` };
    };
    const call = (
      who: Caller | keyof typeof USERS,
      method: RouteCase['method'],
      url: string,
      payload?: unknown,
    ) =>
      app.inject({
        method,
        url,
        headers: headersOf(who),
        ...(payload !== undefined ? { payload: payload as object } : {}),
      });

    /** A run of the DAG, started by alice, waiting on its gate. */
    const gatedRun = async (dagId = 'secret'): Promise<Fixture> => {
      const { workflowId } = await t.flowgate.start(dagId, { startedBy: 'alice' });
      await t.flowgate.waitFor(workflowId, { until: ['paused'], timeoutMs: 10_000 });
      const { items } = await t.flowgate.listHitl({ workflowId });
      expect(items).toHaveLength(1);
      const [snapshot] = await t.flowgate.listSnapshots(workflowId);
      return {
        dagId,
        workflowId,
        requestId: items[0]!.requestId,
        snapshotId: snapshot!.snapshotId,
      };
    };
    const fixture = async (kind: FixtureKind): Promise<Fixture> => {
      if (kind === 'dag') {
        const dagId = `doomed_${next()}`;
        await t.flowgate.putDag(privateDag(dagId), { createdBy: 'alice' });
        return { ...shared, dagId };
      }
      if (kind === 'schedule') {
        const schedule = await t.flowgate.schedules.create(
          'secret',
          { cron: RARE_CRON },
          { createdBy: 'alice' },
        );
        return { ...shared, scheduleId: schedule.id };
      }
      if (kind === 'webhook') {
        const webhook = await t.flowgate.webhooks.create({ url: HOOK_URL, events: ['*'] });
        return { ...shared, webhookId: webhook.id };
      }
      if (kind === 'chat') {
        const chat = await t.flowgate.chat.create({
          kind: 'teams',
          name: `doomed ${next()}`,
          url: HOOK_URL,
        });
        return { ...shared, chatId: chat.id };
      }
      if (kind === 'trigger') {
        const trigger = await t.flowgate.triggers.create('secret', {}, { createdBy: 'alice' });
        return { ...shared, triggerId: trigger.id };
      }
      const run = await gatedRun();
      if (kind === 'paused') await t.flowgate.pause(run.workflowId, 'alice');
      if (kind === 'cancelled') await t.flowgate.cancel(run.workflowId, 'alice');
      return run;
    };

    beforeAll(async () => {
      t = await startTestFlowgate(dialect, {
        outbound: { allowedCidrs: ['127.0.0.1/32'], allowHttp: true },
      });
      const auth = new AuthService({
        store: t.flowgate.store,
        clock: systemClock,
        jwtSecret: SECRET,
      });
      await auth.ensureAdmin({ password: ADMIN_PASSWORD });
      app = buildServer({
        flowgate: t.flowgate,
        auth,
        loginRateLimit: { max: 1000, timeWindowMs: 60_000 },
      });
      await app.ready();
      await Promise.all(
        Object.entries(USERS).map(([username, role]) =>
          auth.createUser({ username, password: PASSWORD, role }),
        ),
      );
      const logins = [
        ['admin', ADMIN_PASSWORD],
        ...Object.keys(USERS).map((u) => [u, PASSWORD]),
      ] as const;
      for (const [username, password] of logins) {
        const response = await app.inject({
          method: 'POST',
          url: '/api/auth/login',
          payload: { username, password },
        });
        expect(response.statusCode, response.body).toBe(200);
        tokens.set(username, response.json<{ accessToken: string }>().accessToken);
      }
      const stored = await call('alice', 'POST', '/api/dags', privateDag('secret'));
      expect(stored.statusCode, stored.body).toBe(201);
      shared = {
        ...(await gatedRun()),
        scheduleId: (
          await t.flowgate.schedules.create('secret', { cron: RARE_CRON }, { createdBy: 'alice' })
        ).id,
        triggerId: (await t.flowgate.triggers.create('secret', {}, { createdBy: 'alice' })).id,
      };
      const webhook = await t.flowgate.webhooks.create({ url: HOOK_URL, events: ['hitl.*'] });
      shared = {
        ...shared,
        webhookId: webhook.id,
        deliveryId: (await t.flowgate.webhooks.test(webhook.id)).deliveryId,
        chatId: (await t.flowgate.chat.create({ kind: 'slack', name: 'matrix', url: HOOK_URL })).id,
      };
    });
    afterAll(async () => {
      await app?.close();
      await t?.close();
    });

    it('the matrix names every DAG, workflow, HITL, schedule, trigger, webhook and notification-metrics route', async () => {
      const response = await app.inject({ method: 'GET', url: '/api/openapi.json' });
      const paths = response.json<{ paths: Record<string, Record<string, unknown>> }>().paths;
      const registered = Object.entries(paths)
        .filter(([path]) =>
          /^\/api\/(dags|workflows|hitl|schedules|triggers|webhooks|chat-destinations|integrations|metrics\/notifications|metrics\/ai-usage)/.test(
            path,
          ),
        )
        .flatMap(([path, methods]) =>
          Object.keys(methods).map((m) => `${m.toUpperCase()} ${path}`),
        );
      const covered = MATRIX.map((c) => `${c.method} ${c.route}`);
      expect([...covered].sort()).toEqual([...registered].sort());
    });

    for (const route of MATRIX) {
      it(`authorization: ${route.method} ${route.route}`, async () => {
        const got: Partial<Record<Caller, number>> = {};
        for (const caller of CALLERS) {
          const expected = route.expect[caller];
          const f = route.fresh && expected < 300 ? await fixture(route.fresh) : shared;
          const target = route.fresh === 'dag' ? await fixture('dag') : f;
          const response = await call(
            caller,
            route.method,
            route.url(target),
            route.payload?.(target),
          );
          got[caller] = response.statusCode;
          if (response.statusCode >= 400) {
            expect(response.json<{ error: { code: string } }>().error.code).toBeTruthy();
          }
        }
        expect(got).toEqual(route.expect);
      });
    }

    it('pages the DAG list by id, full pages of only what the caller may see', async () => {
      const prefix = `paged_${next()}_`;
      const mine = ['a', 'b', 'c', 'd', 'e'].map((suffix) => `${prefix}${suffix}`);
      for (const dagId of mine) await t.flowgate.putDag(privateDag(dagId), { createdBy: 'alice' });

      const walk = async (user: Parameters<typeof call>[0]) => {
        const pages: string[][] = [];
        let cursor: string | null = null;
        do {
          const query: string = cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`;
          const response = await call(user, 'GET', `/api/dags?limit=2${query}`);
          expect(response.statusCode, response.body).toBe(200);
          const page = response.json<{ items: { dagId: string }[]; nextCursor: string | null }>();
          pages.push(page.items.map((dag) => dag.dagId));
          cursor = page.nextCursor;
        } while (cursor !== null && pages.length < 1000);
        return pages;
      };
      const pages = await walk('alice');
      const ids = pages.flat();
      expect(pages.slice(0, -1).every((page) => page.length === 2)).toBe(true);
      expect(ids).toEqual([...new Set(ids)].sort());
      expect(ids).toEqual(expect.arrayContaining(mine));
      expect((await walk('olly')).flat().filter((id) => id.startsWith(prefix))).toEqual([]);

      expectError(await call('alice', 'GET', '/api/dags?cursor=nonsense'), 400, 'BAD_REQUEST');
    });

    it('stores, lists, reads, versions and archives a DAG', async () => {
      const dagId = `lifecycle_${next()}`;
      const created = await call('alice', 'POST', '/api/dags', privateDag(dagId));
      expect(created.statusCode, created.body).toBe(201);
      expect(created.json()).toEqual({ dagId, version: 1 });

      const list = await call('alice', 'GET', '/api/dags');
      expect(list.json<{ items: { dagId: string }[] }>().items.map((d) => d.dagId)).toContain(
        dagId,
      );
      const hidden = await call('olly', 'GET', '/api/dags');
      expect(hidden.json<{ items: { dagId: string }[] }>().items.map((d) => d.dagId)).not.toContain(
        dagId,
      );

      const second = await call(
        'eddie',
        'PUT',
        `/api/dags/${dagId}`,
        privateDag(dagId, { description: 'second' }),
      );
      expect(second.statusCode, second.body).toBe(200);
      expect(second.json()).toEqual({ dagId, version: 2 });

      const latest = await call('vera', 'GET', `/api/dags/${dagId}`);
      expect(latest.statusCode, latest.body).toBe(200);
      expect(latest.json()).toMatchObject({
        dagId,
        version: 2,
        latestVersion: 2,
        description: 'second',
        permissions: PERMISSIONS,
        createdBy: 'alice',
      });
      expect(latest.json<{ definition: { dagId: string } }>().definition.dagId).toBe(dagId);
      expect(latest.json<{ source: { dag_id: string } }>().source.dag_id).toBe(dagId);
      const first = await call('vera', 'GET', `/api/dags/${dagId}?version=1`);
      expect(first.json()).toMatchObject({ version: 1, latestVersion: 2 });

      // The document's id must be the path's.
      expectError(
        await call('alice', 'PUT', `/api/dags/${dagId}`, privateDag('other_id')),
        400,
        'BAD_REQUEST',
      );
      // An editor may not change who may do what; the owner may.
      const grab = await call('eddie', 'PUT', `/api/dags/${dagId}`, {
        ...privateDag(dagId),
        permissions: { ...PERMISSIONS, owners: ['eddie'] },
      });
      expectError(grab, 403, 'FORBIDDEN');
      // Posting the same id is a new version too: an outsider may not overwrite it.
      expectError(await call('olly', 'POST', '/api/dags', privateDag(dagId)), 404, 'NOT_FOUND');

      const archived = await call('alice', 'DELETE', `/api/dags/${dagId}`);
      expect(archived.statusCode, archived.body).toBe(204);
      expectError(await call('alice', 'GET', `/api/dags/${dagId}`), 404, 'NOT_FOUND');
      const after = await call('alice', 'GET', '/api/dags');
      expect(after.json<{ items: { dagId: string }[] }>().items.map((d) => d.dagId)).not.toContain(
        dagId,
      );
      expectError(await call('alice', 'POST', '/api/workflows', { dagId }), 404, 'NOT_FOUND');
    });

    it('answers an invalid DAG with 422 listing every problem', async () => {
      const response = await call(
        'alice',
        'POST',
        '/api/dags',
        plan('broken', [
          { id: 'a', deps: ['missing'] },
          { id: 'b', deps: ['c'] },
          { id: 'c', deps: ['b'] },
        ]),
      );
      const body = expectError(response, 422, 'DAG_INVALID');
      const problems = body.error.details as { path: string; message: string }[];
      expect(problems.length).toBeGreaterThanOrEqual(2);
      expect(JSON.stringify(problems)).toContain('missing');
    });

    it('starts runs by DAG id and by document', async () => {
      const byId = await call('eddie', 'POST', '/api/workflows', {
        dagId: 'secret',
        version: 1,
        input: { x: 1 },
      });
      expect(byId.statusCode, byId.body).toBe(201);
      const started = byId.json<{ workflowId: string; status: string }>();
      expect(Object.keys(started).sort()).toEqual(['status', 'workflowId']);
      const run = await call('eddie', 'GET', `/api/workflows/${started.workflowId}`);
      expect(run.json()).toMatchObject({ dagId: 'secret', createdBy: 'eddie', input: { x: 1 } });

      const dagId = `doc_${next()}`;
      const byDocument = await call('olly', 'POST', '/api/workflows', {
        dag: publicDag(dagId),
        input: { y: 2 },
      });
      expect(byDocument.statusCode, byDocument.body).toBe(201);
      const { workflowId } = byDocument.json<{ workflowId: string }>();
      const done = await t.flowgate.waitFor(workflowId, { timeoutMs: 10_000 });
      expect(done.status).toBe('completed');
      // Starting the same document again is starting the stored DAG: anyone but a viewer may (it is public).
      const again = await call('alice', 'POST', '/api/workflows', { dag: publicDag(dagId) });
      expect(again.statusCode, again.body).toBe(201);
      expectError(
        await call('olly', 'POST', '/api/workflows', { dag: privateDag('secret') }),
        404,
        'NOT_FOUND',
      );
      expectError(
        await call('alice', 'POST', '/api/workflows', { dagId: 'secret', dag: publicDag('x') }),
        400,
        'BAD_REQUEST',
      );
      expectError(
        await call('alice', 'POST', '/api/workflows', {
          dag: plan('bad', [{ id: 'a', deps: ['zz'] }]),
        }),
        422,
        'DAG_INVALID',
      );
    });

    it("hides a private DAG's runs and requests from an outsider", async () => {
      const own = await gatedRun();
      const runs = await call('olly', 'GET', '/api/workflows?limit=500');
      expect(runs.statusCode).toBe(200);
      const ids = runs.json<{ items: { dagId: string }[] }>().items.map((r) => r.dagId);
      expect(ids).not.toContain('secret');
      const filtered = await call('olly', 'GET', '/api/workflows?dagId=secret');
      expect(filtered.json()).toEqual({ items: [], nextCursor: null });
      const requests = await call('olly', 'GET', `/api/hitl?status=all&limit=500`);
      expect(
        requests.json<{ items: { workflowId: string }[] }>().items.map((r) => r.workflowId),
      ).not.toContain(own.workflowId);
      expectError(await call('olly', 'GET', `/api/workflows/${own.workflowId}`), 404, 'NOT_FOUND');
      expectError(await call('olly', 'GET', `/api/hitl/${own.requestId}`), 404, 'NOT_FOUND');
      // The same answer as for an id that does not exist.
      const missing = await call('olly', 'GET', '/api/workflows/no-such-run');
      expectError(missing, 404, 'NOT_FOUND');

      const visible = await call(
        'vera',
        'GET',
        `/api/workflows?dagId=secret&status=paused&limit=500`,
      );
      expect(
        visible.json<{ items: { workflowId: string }[] }>().items.map((r) => r.workflowId),
      ).toContain(own.workflowId);
      const pending = await call('appr', 'GET', `/api/hitl?workflowId=${own.workflowId}`);
      expect(pending.json<{ items: { requestId: string }[] }>().items).toEqual([
        expect.objectContaining({ requestId: own.requestId, status: 'pending' }),
      ]);
      const one = await call('appr', 'GET', `/api/hitl/${own.requestId}`);
      expect(one.json()).toMatchObject({ requestId: own.requestId, votes: [] });
      expect(one.json<{ context: unknown }>().context).toBeTruthy();
    });

    it('pages through runs (newest first) and requests (oldest first), each once', async () => {
      for (let i = 0; i < 3; i++) await gatedRun();
      const walk = async (path: string, key: 'workflowId' | 'requestId') => {
        const ids: string[] = [];
        let cursor: string | null = null;
        do {
          const query: string = cursor === null ? '' : `&cursor=${encodeURIComponent(cursor)}`;
          const response = await call('admin', 'GET', `${path}limit=2${query}`);
          expect(response.statusCode, response.body).toBe(200);
          const page = response.json<{
            items: Record<string, string>[];
            nextCursor: string | null;
          }>();
          expect(page.items.length).toBeLessThanOrEqual(2);
          ids.push(...page.items.map((item) => item[key]!));
          cursor = page.nextCursor;
        } while (cursor !== null && ids.length < 10_000);
        const whole = await call('admin', 'GET', `${path}limit=500`);
        const all = whole
          .json<{ items: Record<string, string>[] }>()
          .items.map((item) => item[key]);
        expect(ids).toEqual(all);
        return ids;
      };
      expect((await walk('/api/workflows?', 'workflowId')).length).toBeGreaterThan(3);
      expect((await walk('/api/hitl?status=all&', 'requestId')).length).toBeGreaterThan(3);
      expectError(await call('admin', 'GET', '/api/workflows?limit=0'), 400, 'BAD_REQUEST');
    });

    it('pauses, resumes, cancels and retries; events record who, from where', async () => {
      const run = await gatedRun();
      const url = (action: string) => `/api/workflows/${run.workflowId}/${action}`;
      const paused = await call('alice', 'POST', url('pause'));
      expect(paused.statusCode, paused.body).toBe(200);
      expect(paused.json()).toMatchObject({ status: 'paused', pauseReason: 'user' });
      expectError(await call('alice', 'POST', url('pause')), 409, 'RUN_NOT_ACTIVE');
      const resumed = await call('alice', 'POST', url('resume'));
      expect(resumed.statusCode, resumed.body).toBe(200);
      expect(resumed.json<{ pauseReason: string | null }>().pauseReason).not.toBe('user');
      const cancelled = await call('alice', 'POST', url('cancel'));
      expect(cancelled.json()).toMatchObject({ status: 'cancelled' });
      const retried = await call('alice', 'POST', url('retry'));
      expect(retried.statusCode, retried.body).toBe(200);
      expect(retried.json<{ status: string }>().status).not.toBe('cancelled');

      const events = await call('vera', 'GET', url('events'));
      const items = events.json<{ items: { id: number; type: string; data: unknown }[] }>().items;
      expect(items.map((e) => e.id)).toEqual([...items.map((e) => e.id)].sort((a, b) => a - b));
      const byApi = items.filter(
        (e) => (e.data as { by?: { channel?: string } } | null)?.by?.channel === 'api',
      );
      // (The engine records the cancelling user in the cancellation's message, not as `by`.)
      expect(byApi.map((e) => e.type)).toEqual(
        expect.arrayContaining(['workflow_paused', 'workflow_resumed', 'workflow_retried']),
      );
      for (const event of byApi) {
        expect(event.data).toMatchObject({
          by: { channel: 'api', ip: '127.0.0.1', username: 'alice' },
        });
      }
    });

    it('cancels all of a run’s requests', async () => {
      const run = await gatedRun();
      const response = await call('eddie', 'POST', `/api/workflows/${run.workflowId}/cancel-hitl`, {
        reason: 'obsolete',
      });
      expect(response.statusCode, response.body).toBe(200);
      expect(response.json()).toEqual({ cancelled: 1 });
      const request = await call('eddie', 'GET', `/api/hitl/${run.requestId}`);
      expect(request.json()).toMatchObject({ status: 'cancelled' });
    });

    it('approves: the run completes', async () => {
      const run = await gatedRun();
      const approved = await call('appr', 'POST', `/api/hitl/${run.requestId}/approve`, {
        response: 'looks right',
      });
      expect(approved.statusCode, approved.body).toBe(200);
      expect(approved.json()).toMatchObject({ requestId: run.requestId, status: 'approved' });
      await t.flowgate.waitFor(run.workflowId, { timeoutMs: 10_000 });
      const done = await call('alice', 'GET', `/api/workflows/${run.workflowId}`);
      expect(done.json()).toMatchObject({ status: 'completed' });
      expect(done.json<{ nodes: { nodeId: string; status: string }[] }>().nodes).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ nodeId: 'approval', status: 'completed' }),
          expect.objectContaining({ nodeId: 'pay', status: 'completed' }),
        ]),
      );
      const events = await call('alice', 'GET', `/api/workflows/${run.workflowId}/events`);
      const approval = events
        .json<{ items: { type: string; data: unknown }[] }>()
        .items.find((e) => e.type === 'hitl_approved');
      expect(approval?.data).toMatchObject({ by: { channel: 'api', ip: '127.0.0.1' } });
      expectError(
        await call('appr', 'POST', `/api/hitl/${run.requestId}/reject`, {}),
        409,
        'HITL_NOT_PENDING',
      );
    });

    it('lets exactly one of 20 concurrent approvals win; the rest are 409', async () => {
      const run = await gatedRun();
      const responses = await Promise.all(
        Array.from({ length: 20 }, () =>
          call('appr', 'POST', `/api/hitl/${run.requestId}/approve`, {}),
        ),
      );
      const statuses = responses.map((r) => r.statusCode);
      expect(statuses.filter((s) => s === 200)).toHaveLength(1);
      expect(statuses.filter((s) => s === 409)).toHaveLength(19);
      for (const response of responses.filter((r) => r.statusCode === 409)) {
        expectError(response, 409, 'HITL_NOT_PENDING');
      }
    });

    it('refuses a non-approver with 403 and a bad answer with 422', async () => {
      const run = await gatedRun();
      const refused = await call('eddie', 'POST', `/api/hitl/${run.requestId}/approve`, {});
      expectError(refused, 403, 'FORBIDDEN');

      const dagId = `form_${next()}`;
      const document = plan(dagId, [
        {
          id: 'ask',
          type: 'human_in_loop',
          config: {
            form: {
              type: 'object',
              properties: { amount: { type: 'number' } },
              required: ['amount'],
            },
          },
        },
      ]);
      const started = await call('alice', 'POST', '/api/workflows', { dag: document });
      expect(started.statusCode, started.body).toBe(201);
      const { workflowId } = started.json<{ workflowId: string }>();
      await t.flowgate.waitFor(workflowId, { until: ['paused'], timeoutMs: 10_000 });
      const list = await call('olly', 'GET', `/api/hitl?workflowId=${workflowId}`);
      const [request] = list.json<{ items: { requestId: string }[] }>().items;
      const bad = await call('olly', 'POST', `/api/hitl/${request!.requestId}/respond`, {
        value: { amount: 'lots' },
      });
      expectError(bad, 422, 'VALIDATION_FAILED');
      const good = await call('olly', 'POST', `/api/hitl/${request!.requestId}/respond`, {
        value: { amount: 12 },
        response: 'here',
      });
      expect(good.statusCode, good.body).toBe(200);
      expect((await t.flowgate.waitFor(workflowId, { timeoutMs: 10_000 })).status).toBe(
        'completed',
      );
    });
  });
}
