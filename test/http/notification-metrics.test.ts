/**
 * Notification figures through the real routes: deliveries by channel (a mail the SMTP server refused once counts a
 * retry), the age of the pending request by the injected clock, and the SLA breaches of a request that escalated and
 * then timed out; scoped to the DAGs the caller may see, and the same totals in the Prometheus exposition. Both
 * dialects.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { AuthService } from '../../src/auth/auth-service.js';
import { buildServer, type FlowgateServer } from '../../src/http/build-server.js';
import { ManualClock, systemClock } from '../../src/shared/clock.js';
import { listOutboxAttempts, listOutboxMessages } from '../../src/store/repositories/outbox.js';
import { DIALECTS } from '../helpers/dialects.js';
import { plan, startTestFlowgate, type TestFlowgate } from '../helpers/flowgate.js';
import { startSmtp, type TestSmtp } from '../helpers/smtp.js';

const SECRET = 'a-test-secret-of-at-least-32-characters!';
const ADMIN_PASSWORD = 'admin-password-long-enough';
const PASSWORD = 'p4ssword-long-enough';
const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

interface Body {
  deliveries: {
    channel: string;
    pending: number;
    sent: number;
    failed: number;
    skipped: number;
    retried: number;
  }[];
  pending: { count: number; oldestSeconds: number | null; averageSeconds: number | null };
  slaBreaches: { escalated: number; timedOut: number; total: number };
}

async function waitUntil(check: () => Promise<boolean>, what: string, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Private to alice; alice decides; bob is escalated to after an hour; the request times out (reject) after two. */
const watched = plan(
  'watched',
  [
    {
      id: 'gate',
      type: 'human_in_loop',
      config: {
        message: 'Pay?',
        approvers: ['alice'],
        escalation: [{ after: 'PT1H', approvers: ['bob'] }],
        timeout: { after: 'PT2H', outcome: 'reject' },
        onReject: 'continue',
      },
    },
  ],
  { permissions: { owners: ['alice'], editors: [], viewers: ['bob'], isPublic: false } },
);

for (const dialect of DIALECTS) {
  describe(`${dialect}: GET /api/metrics/notifications`, () => {
    let t: TestFlowgate;
    let smtp: TestSmtp;
    let app: FlowgateServer;
    const clock = new ManualClock(Date.now());
    const tokens = new Map<string, string>();

    const get = (who: string | undefined, url: string) =>
      app.inject({
        method: 'GET',
        url,
        headers: who ? { authorization: `Bearer ${tokens.get(who)!}` } : {},
      });
    const sentMails = async () =>
      (await t.flowgate.store.read((db) => listOutboxMessages(db, {}))).filter(
        (m) => m.status === 'sent',
      ).length;

    beforeAll(async () => {
      smtp = await startSmtp();
      t = await startTestFlowgate(dialect, {
        clock,
        mail: {
          smtpUrl: `smtp://127.0.0.1:${smtp.port}`,
          from: 'flowgate@example.test',
          publicUrl: 'https://flowgate.example.test',
          delivery: {
            pollMs: 50,
            leaseMs: 5_000,
            backoff: { backoffMs: 1_000, maxBackoffMs: 1_000 },
          },
        },
      });
      const auth = new AuthService({
        store: t.flowgate.store,
        clock: systemClock,
        jwtSecret: SECRET,
      });
      await auth.ensureAdmin({ password: ADMIN_PASSWORD });
      for (const username of ['alice', 'bob', 'olly']) {
        await auth.createUser({
          username,
          password: PASSWORD,
          role: 'user',
          email: `${username}@example.test`,
        });
      }
      app = buildServer({
        flowgate: t.flowgate,
        auth,
        loginRateLimit: { max: 1000, timeWindowMs: 60_000 },
      });
      await app.ready();
      for (const [username, password] of [
        ['admin', ADMIN_PASSWORD],
        ['alice', PASSWORD],
        ['olly', PASSWORD],
      ] as const) {
        const response = await app.inject({
          method: 'POST',
          url: '/api/auth/login',
          payload: { username, password },
        });
        expect(response.statusCode, response.body).toBe(200);
        tokens.set(username, response.json<{ accessToken: string }>().accessToken);
      }
      await t.flowgate.putDag(watched, { createdBy: 'alice' });

      // The first request's mail is refused once (451), then sent after its backoff.
      smtp.answer = 451;
      const first = await t.flowgate.start('watched', { startedBy: 'alice' });
      await t.flowgate.waitFor(first.workflowId, { until: ['paused'], timeoutMs: 10_000 });
      await waitUntil(async () => {
        const [message] = await t.flowgate.store.read((db) =>
          listOutboxMessages(db, { workflowId: first.workflowId }),
        );
        if (!message) return false;
        const attempts = await t.flowgate.store.read((db) =>
          listOutboxAttempts(db, message.messageId),
        );
        return attempts.some((attempt) => attempt.outcome === 'retry');
      }, 'the refused attempt recorded as a retry');
      smtp.answer = undefined;
      clock.advance(MINUTE);
      await smtp.waitFor(1);
      // A lease is measured on the injected clock: moving it while a mail is in flight would lease it again.
      await waitUntil(async () => (await sentMails()) === 1, 'the first mail marked sent');

      clock.advance(HOUR); // escalated to bob
      await smtp.waitFor(2);
      await waitUntil(async () => (await sentMails()) === 2, 'the escalation marked sent');
      clock.advance(HOUR); // timed out: rejected by nobody, the run goes on
      expect((await t.flowgate.waitFor(first.workflowId, { timeoutMs: 10_000 })).status).toBe(
        'completed',
      );

      const second = await t.flowgate.start('watched', { startedBy: 'alice' });
      await t.flowgate.waitFor(second.workflowId, { until: ['paused'], timeoutMs: 10_000 });
      await smtp.waitFor(3);
      await waitUntil(async () => (await sentMails()) === 3, 'three mails marked sent');
      clock.advance(30 * MINUTE);
    });
    afterAll(async () => {
      await app?.close();
      await t?.close();
      await smtp?.close();
    });

    it('counts deliveries, retries, the pending request’s age and the breaches', async () => {
      const response = await get('admin', '/api/metrics/notifications');
      expect(response.statusCode, response.body).toBe(200);
      const body = response.json<Body>();
      expect(body.deliveries).toEqual([
        { channel: 'email', pending: 0, sent: 3, failed: 0, skipped: 0, retried: 1 },
      ]);
      expect(body.pending.count).toBe(1);
      expect(body.pending.oldestSeconds).toBeCloseTo(1800, 0);
      expect(body.pending.averageSeconds).toBeCloseTo(1800, 0);
      expect(body.slaBreaches).toEqual({ escalated: 1, timedOut: 1, total: 1 });
      // alice sees her DAG: the same figures.
      expect((await get('alice', '/api/metrics/notifications')).json<Body>()).toEqual(body);
    });

    it('shows nothing of DAGs the caller may not see, and refuses anonymous callers', async () => {
      const hidden = (await get('olly', '/api/metrics/notifications')).json<Body>();
      expect(hidden).toEqual({
        deliveries: [],
        pending: { count: 0, oldestSeconds: null, averageSeconds: null },
        slaBreaches: { escalated: 0, timedOut: 0, total: 0 },
      });
      const anonymous = await get(undefined, '/api/metrics/notifications');
      expect(anonymous.statusCode).toBe(401);
    });

    it('gives Prometheus the same totals', async () => {
      const text = (await get(undefined, '/metrics')).body;
      expect(text).toContain('flowgate_deliveries{channel="email",status="sent"} 3');
      expect(text).toContain('flowgate_deliveries{channel="email",status="failed"} 0');
      expect(text).toContain('flowgate_delivery_retries{channel="email"} 1');
      const oldest = /^flowgate_hitl_oldest_pending_seconds (\S+)$/m.exec(text)?.[1];
      expect(Number(oldest)).toBeCloseTo(1800, 2);
      expect(text).toContain('flowgate_hitl_sla_breaches{kind="escalated"} 1');
      expect(text).toContain('flowgate_hitl_sla_breaches{kind="timed_out"} 1');
      expect(text).toContain('flowgate_hitl_sla_breaches{kind="total"} 1');
    });
  });
}
