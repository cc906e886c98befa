/**
 * Inbound triggers over HTTP: bearer and Standard Webhooks callers, idempotency, body and rate limits. Both
 * dialects; requests go through inject(), and the signed ones also over a real socket on 127.0.0.1.
 */
import type { LightMyRequestResponse } from 'fastify';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { AuthService } from '../../src/auth/auth-service.js';
import { buildServer, type FlowgateServer } from '../../src/http/build-server.js';
import { systemClock } from '../../src/shared/clock.js';
import { DIALECTS } from '../helpers/dialects.js';
import { plan, startTestFlowgate, type TestFlowgate } from '../helpers/flowgate.js';

const SECRET = 'a-test-secret-of-at-least-32-characters!';
const PASSWORD = 'p4ssword-long-enough';
const BODY_LIMIT = 4 * 1024;

interface CreatedTrigger {
  readonly id: string;
  readonly url: string;
  readonly secret: string;
  readonly auth: string;
}

let unique = 0;
const next = () => `${Date.now().toString(36)}_${++unique}`;

for (const dialect of DIALECTS) {
  describe(`${dialect}: inbound triggers`, () => {
    let t: TestFlowgate;
    let app: FlowgateServer;
    let limited: FlowgateServer;
    let token: string;

    const api = (method: 'GET' | 'POST' | 'DELETE', url: string, payload?: object) =>
      app.inject({
        method,
        url,
        headers: { authorization: `Bearer ${token}` },
        ...(payload ? { payload } : {}),
      });
    const hook = (
      triggerId: string,
      options: {
        headers?: Record<string, string>;
        payload?: string | object;
        server?: FlowgateServer;
      } = {},
    ) =>
      (options.server ?? app).inject({
        method: 'POST',
        url: `/hooks/${triggerId}`,
        headers: { 'content-type': 'application/json', ...options.headers },
        payload:
          typeof options.payload === 'string'
            ? options.payload
            : JSON.stringify(options.payload ?? { hello: 'world' }),
      });
    const newDag = async () => {
      const dagId = `hooked_${next()}`;
      await t.flowgate.putDag(plan(dagId, [{ id: 'only', agent: 'echo_agent' }]), {
        createdBy: 'alice',
      });
      return dagId;
    };
    const newTrigger = async (dagId: string, body: object = {}): Promise<CreatedTrigger> => {
      const response = await api('POST', `/api/dags/${dagId}/triggers`, body);
      expect(response.statusCode, response.body).toBe(201);
      return response.json<CreatedTrigger>();
    };
    const runsOf = async (dagId: string) => (await t.flowgate.listWorkflows({ dagId })).items;
    const expectError = (response: LightMyRequestResponse, status: number, code: string) => {
      expect(response.statusCode, response.body).toBe(status);
      expect(response.json<{ error: { code: string } }>().error.code).toBe(code);
    };

    beforeAll(async () => {
      t = await startTestFlowgate(dialect);
      const auth = new AuthService({
        store: t.flowgate.store,
        clock: systemClock,
        jwtSecret: SECRET,
      });
      await auth.createUser({ username: 'alice', password: PASSWORD, role: 'user' });
      const base = {
        flowgate: t.flowgate,
        auth,
        loginRateLimit: { max: 1000, timeWindowMs: 60_000 },
      };
      app = buildServer({ ...base, hooks: { bodyLimit: BODY_LIMIT } });
      limited = buildServer({ ...base, hooks: { rateLimit: { max: 2, timeWindowMs: 60_000 } } });
      await Promise.all([app.ready(), limited.ready()]);
      const login = await app.inject({
        method: 'POST',
        url: '/api/auth/login',
        payload: { username: 'alice', password: PASSWORD },
      });
      token = login.json<{ accessToken: string }>().accessToken;
    });
    afterAll(async () => {
      await app?.close();
      await limited?.close();
      await t?.close();
    });

    it('creates a trigger whose secret is shown once and whose URL starts a run with the body as input', async () => {
      const dagId = await newDag();
      const trigger = await newTrigger(dagId, { name: 'from CI' });
      expect(trigger.id).toMatch(/^trg_[0-9a-f]{32}$/);
      expect(trigger.secret).toMatch(/^whsec_/);
      expect(trigger.url).toBe(`http://localhost:80/hooks/${trigger.id}`);

      const listed = await api('GET', `/api/triggers?dagId=${dagId}`);
      expect(listed.json<{ items: object[] }>().items).toEqual([
        expect.objectContaining({ id: trigger.id, name: 'from CI', auth: 'bearer' }),
      ]);
      expect(listed.body).not.toContain(trigger.secret);

      const fired = await hook(trigger.id, {
        headers: { authorization: `Bearer ${trigger.secret}` },
        payload: { order: 42 },
      });
      expect(fired.statusCode, fired.body).toBe(202);
      const { workflowId } = fired.json<{ workflowId: string }>();
      const run = await t.flowgate.waitFor(workflowId, { timeoutMs: 10_000 });
      expect(run).toMatchObject({ status: 'completed', input: { order: 42 }, createdBy: 'alice' });
      const [started] = await t.flowgate.listEvents(workflowId, { limit: 1 });
      expect(started?.data).toMatchObject({ trigger: { type: 'trigger', triggerId: trigger.id } });
    });

    it('a wrong or missing secret gets 401 and starts nothing; an unknown trigger 404', async () => {
      const dagId = await newDag();
      const trigger = await newTrigger(dagId);
      expectError(
        await hook(trigger.id, { headers: { authorization: 'Bearer whsec_not-the-secret' } }),
        401,
        'UNAUTHENTICATED',
      );
      expectError(await hook(trigger.id), 401, 'UNAUTHENTICATED');
      // A bearer trigger does not take signatures.
      expectError(
        await hook(trigger.id, {
          headers: signed(trigger.secret, 'msg_1', new Date(), '{"hello":"world"}'),
          payload: '{"hello":"world"}',
        }),
        401,
        'UNAUTHENTICATED',
      );
      expectError(
        await hook('trg_00000000000000000000000000000000', {
          headers: { authorization: `Bearer ${trigger.secret}` },
        }),
        404,
        'NOT_FOUND',
      );
      expect(await runsOf(dagId)).toEqual([]);
    });

    it('the same Idempotency-Key starts one run, even when the requests race', async () => {
      const dagId = await newDag();
      const trigger = await newTrigger(dagId);
      const send = (key: string) =>
        hook(trigger.id, {
          headers: { authorization: `Bearer ${trigger.secret}`, 'idempotency-key': key },
        });
      const first = await send('order-1');
      const again = await send('order-1');
      expect(first.statusCode).toBe(202);
      expect(again.statusCode).toBe(202);
      expect(again.headers['idempotent-replayed']).toBe('true');
      expect(again.json()).toEqual(first.json());

      const racing = await Promise.all(Array.from({ length: 5 }, () => send('order-2')));
      expect(new Set(racing.map((r) => r.statusCode))).toEqual(new Set([202]));
      expect(new Set(racing.map((r) => r.json<{ workflowId: string }>().workflowId)).size).toBe(1);
      expect(await runsOf(dagId)).toHaveLength(2);
    });

    it('a body over the limit gets 413 and starts nothing; malformed JSON 400', async () => {
      const dagId = await newDag();
      const trigger = await newTrigger(dagId);
      const headers = { authorization: `Bearer ${trigger.secret}` };
      expectError(
        await hook(trigger.id, { headers, payload: { blob: 'x'.repeat(BODY_LIMIT) } }),
        413,
        'PAYLOAD_TOO_LARGE',
      );
      expectError(await hook(trigger.id, { headers, payload: '{"open": ' }), 400, 'BAD_REQUEST');
      expect(await runsOf(dagId)).toEqual([]);
    });

    it('each trigger has its own rate: 429 past it', async () => {
      const dagId = await newDag();
      const [a, b] = [await newTrigger(dagId), await newTrigger(dagId)];
      const send = (trigger: CreatedTrigger) =>
        hook(trigger.id, {
          server: limited,
          headers: { authorization: `Bearer ${trigger.secret}` },
        });
      expect((await send(a)).statusCode).toBe(202);
      expect((await send(a)).statusCode).toBe(202);
      expectError(await send(a), 429, 'RATE_LIMITED');
      expect((await send(b)).statusCode).toBe(202);
      expect(await runsOf(dagId)).toHaveLength(3);
    });

    it('a trigger of an archived DAG answers 409 and starts nothing', async () => {
      const dagId = await newDag();
      const trigger = await newTrigger(dagId);
      await t.flowgate.archiveDag(dagId);
      expectError(
        await hook(trigger.id, { headers: { authorization: `Bearer ${trigger.secret}` } }),
        409,
        'CONFLICT',
      );
      expect(await runsOf(dagId)).toEqual([]);
    });

    it('a deleted trigger starts nothing more', async () => {
      const dagId = await newDag();
      const trigger = await newTrigger(dagId);
      expect((await api('DELETE', `/api/triggers/${trigger.id}`)).statusCode).toBe(204);
      expectError(
        await hook(trigger.id, { headers: { authorization: `Bearer ${trigger.secret}` } }),
        404,
        'NOT_FOUND',
      );
      expect(await runsOf(dagId)).toEqual([]);
    });

    describe('Standard Webhooks', () => {
      let server: FlowgateServer;
      let base: string;
      beforeAll(async () => {
        server = buildServer({
          flowgate: t.flowgate,
          auth: new AuthService({ store: t.flowgate.store, clock: systemClock, jwtSecret: SECRET }),
        });
        base = await server.listen({ host: '127.0.0.1', port: 0 });
      });
      afterAll(async () => {
        await server?.close();
      });

      const post = (triggerId: string, headers: Record<string, string>, body: string) =>
        fetch(`${base}/hooks/${triggerId}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...headers },
          body,
        });

      it('a signed request verifies over a real socket; its webhook-id is its idempotency key', async () => {
        const dagId = await newDag();
        const trigger = await newTrigger(dagId, { auth: 'standard_webhooks' });
        // Spacing the parsed value would not keep: the signature covers these very bytes.
        const body = '{ "event":  "push",\n  "ref": "main" }';
        const headers = signed(trigger.secret, 'msg_2p7', new Date(), body);
        const first = await post(trigger.id, headers, body);
        expect(first.status, await first.clone().text()).toBe(202);
        const { workflowId } = (await first.json()) as { workflowId: string };
        const repeat = await post(trigger.id, headers, body);
        expect(repeat.status).toBe(202);
        expect(repeat.headers.get('idempotent-replayed')).toBe('true');
        expect(await repeat.json()).toEqual({ workflowId });
        expect((await t.flowgate.getWorkflow(workflowId)).input).toEqual({
          event: 'push',
          ref: 'main',
        });
        // The secret works as a bearer token too.
        const bearer = await post(trigger.id, { authorization: `Bearer ${trigger.secret}` }, '{}');
        expect(bearer.status).toBe(202);
        expect(await runsOf(dagId)).toHaveLength(2);
      });

      it('a stale timestamp, a changed body and a wrong key are refused and start nothing', async () => {
        const dagId = await newDag();
        const trigger = await newTrigger(dagId, { auth: 'standard_webhooks' });
        const body = '{"n":1}';
        const stale = signed(trigger.secret, 'msg_old', new Date(Date.now() - 6 * 60_000), body);
        const future = signed(trigger.secret, 'msg_new', new Date(Date.now() + 6 * 60_000), body);
        const other = signed(
          `whsec_${Buffer.alloc(32, 7).toString('base64')}`,
          'msg_x',
          new Date(),
          body,
        );
        for (const [headers, sent] of [
          [stale, body],
          [future, body],
          [signed(trigger.secret, 'msg_y', new Date(), body), '{"n":2}'],
          [other, body],
        ] as const) {
          const response = await post(trigger.id, headers, sent);
          expect(response.status).toBe(401);
          expect(((await response.json()) as { error: { code: string } }).error.code).toBe(
            'UNAUTHENTICATED',
          );
        }
        expect(await runsOf(dagId)).toEqual([]);
      });
    });
  });
}

/** Standard Webhooks headers for a body, signed by the reference implementation. */
function signed(secret: string, id: string, at: Date, body: string): Record<string, string> {
  return {
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': new Webhook(secret).sign(id, at, body),
  };
}
