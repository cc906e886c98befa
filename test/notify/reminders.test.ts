/**
 * Reminders, escalation and expiry, driven by the app's injected clock, with mails landing in a real SMTP server,
 * links decided through the real routes (Fastify inject) and webhooks at a real receiver. The timers live on the
 * request rows: they survive closing and reopening Flowgate on the same database, and die when the request closes.
 * Both dialects.
 */
import { afterEach, describe, expect, it } from 'vitest';

import { createFlowgate, type Flowgate, type FlowgateOptions } from '../../src/app/flowgate.js';
import { AuthService } from '../../src/auth/auth-service.js';
import { buildServer, type FlowgateServer } from '../../src/http/build-server.js';
import type { Actor } from '../../src/shared/actor.js';
import { ManualClock } from '../../src/shared/clock.js';
import { listRequestTokens } from '../../src/store/repositories/action-tokens.js';
import { listOutboxMessages } from '../../src/store/repositories/outbox.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../helpers/dialects.js';
import { plan } from '../helpers/flowgate.js';
import { startReceiver, type TestReceiver } from '../helpers/http-receiver.js';
import { startSmtp, type ReceivedMail, type TestSmtp } from '../helpers/smtp.js';

const PUBLIC_URL = 'https://flowgate.example.test';
const PASSWORD = 'p4ssword-long-enough';
const LINK = /https:\/\/flowgate\.example\.test(\/a\/[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+)/;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

async function waitUntil(check: () => Promise<boolean>, what: string, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** Long enough for many maintenance passes (workers poll every 50 ms here): what has not fired by then will not. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 600));

const recipient = (mail: ReceivedMail) => mail.envelope.to[0]!.split('@')[0]!;
const linkOf = (mail: ReceivedMail) => LINK.exec(mail.parsed.text ?? '')![1]!;

for (const dialect of DIALECTS) {
  describe(`${dialect}: reminders, escalation and expiry`, () => {
    let db: TestDatabase | undefined;
    let flowgate: Flowgate | undefined;
    let smtp: TestSmtp | undefined;
    let receiver: TestReceiver | undefined;
    let app: FlowgateServer | undefined;
    const errors: unknown[] = [];
    const users = new Map<string, Actor>();

    afterEach(async () => {
      await app?.close();
      await flowgate?.close();
      await smtp?.close();
      await receiver?.close();
      await db?.drop();
      app = flowgate = smtp = receiver = db = undefined;
      users.clear();
      const reported = errors.splice(0);
      if (reported.length > 0) throw new AggregateError(reported, 'the loops reported errors');
    });

    async function open(clock: ManualClock, extra: Partial<FlowgateOptions> = {}) {
      flowgate = await createFlowgate({
        db: db!.url,
        clock,
        onError: (error) => errors.push(error),
        workers: { pollMs: 50, leaseMs: 5_000 },
        mail: {
          smtpUrl: `smtp://127.0.0.1:${smtp!.port}`,
          from: 'flowgate@example.test',
          publicUrl: PUBLIC_URL,
          delivery: { pollMs: 50, leaseMs: 5_000 },
        },
        ...extra,
      });
      return flowgate;
    }

    async function setUp(clock: ManualClock, extra: Partial<FlowgateOptions> = {}) {
      db = await createTestDatabase(dialect);
      smtp = await startSmtp();
      const fg = await open(clock, extra);
      const auth = new AuthService({
        store: fg.store,
        clock,
        jwtSecret: 'a-test-secret-of-at-least-32-characters!',
      });
      for (const name of ['alice', 'bob', 'carol', 'dave']) {
        const user = await auth.createUser({
          username: name,
          password: PASSWORD,
          role: 'user',
          email: `${name}@example.test`,
        });
        users.set(name, { userId: user.userId, username: name, roles: ['user'] });
      }
      app = buildServer({
        flowgate: fg,
        auth,
        loginRateLimit: { max: 1000, timeWindowMs: 60_000 },
      });
      await app.ready();
      return fg;
    }

    async function raise(fg: Flowgate, config: Record<string, unknown>) {
      const { workflowId } = await fg.start(
        plan('gated', [
          { id: 'gate', type: 'human_in_loop', config: { message: 'Deploy?', ...config } },
          { id: 'after', agent: 'echo_agent', deps: ['gate'] },
        ]),
        { startedBy: 'dave', input: {} },
      );
      await fg.waitFor(workflowId, { until: ['paused'], timeoutMs: 10_000 });
      const [request] = (await fg.listHitl({ workflowId })).items;
      return { workflowId, requestId: request!.requestId };
    }

    const eventsOf = async (workflowId: string, type: string) =>
      (await flowgate!.listEvents(workflowId)).filter((e) => e.type === type);

    async function waitForEvents(workflowId: string, type: string, count: number) {
      await waitUntil(
        async () => (await eventsOf(workflowId, type)).length >= count,
        `${count} ${type} events`,
      );
      return eventsOf(workflowId, type);
    }

    /**
     * Moves the clock once no mail is in flight: a lease is measured on this clock, and moving it past a lease while
     * the mail is being sent would let the sender take the message again and send it twice.
     */
    async function advance(clock: ManualClock, ms: number) {
      await waitUntil(async () => {
        const messages = await flowgate!.store.read((db) => listOutboxMessages(db, {}));
        return messages.every((m) => m.status !== 'pending' || m.leaseOwner === null);
      }, 'no mail in flight');
      clock.advance(ms);
    }

    const nonceOf = (html: string) => /name="nonce" value="([^"]+)"/.exec(html)?.[1];
    async function decideByLink(path: string, decision: 'approve' | 'reject') {
      const page = await app!.inject({ method: 'GET', url: path });
      const nonce = nonceOf(page.body);
      return app!.inject({
        method: 'POST',
        url: path,
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: new URLSearchParams({ decision, ...(nonce ? { nonce } : {}) }).toString(),
      });
    }

    it('reminds those who have not voted at T+4h, T+28h and T+52h, and no more after max', async () => {
      const clock = new ManualClock(Date.now());
      const fg = await setUp(clock);
      const { workflowId, requestId } = await raise(fg, {
        approvers: ['alice', 'bob'],
        quorum: { mode: 'all' },
        reminders: { first: 'PT4H', every: 'P1D', max: 3 },
      });
      await smtp!.waitFor(2);
      // bob has voted: only alice is chased.
      await fg.approve(requestId, users.get('bob')!);

      await advance(clock, 4 * HOUR - 60_000);
      await settle();
      expect(await eventsOf(workflowId, 'hitl_reminded')).toHaveLength(0);

      for (const [step, count] of [
        [60_000, 1],
        [DAY, 2],
        [DAY, 3],
      ] as const) {
        await advance(clock, step);
        const reminded = await waitForEvents(workflowId, 'hitl_reminded', count);
        expect(reminded).toHaveLength(count);
        expect(reminded[count - 1]!.data).toMatchObject({ request_id: requestId, reminder: count });
        const mails = await smtp!.waitFor(2 + count);
        const mail = mails[1 + count]!;
        expect(recipient(mail)).toBe('alice');
        expect(mail.parsed.subject).toBe('Reminder: Deploy?');
        expect(mail.parsed.text).toContain('Reminder: your decision is still needed');
      }
      expect((await eventsOf(workflowId, 'hitl_reminded'))[2]!.data).toMatchObject({
        next_reminder_at: null,
      });

      await advance(clock, 3 * DAY);
      await settle();
      expect(await eventsOf(workflowId, 'hitl_reminded')).toHaveLength(3);
      expect(smtp!.received).toHaveLength(5);

      // The latest reminder's link decides.
      const done = await decideByLink(linkOf(smtp!.received[4]!), 'approve');
      expect(done.statusCode, done.body).toBe(200);
      expect((await fg.waitFor(workflowId, { timeoutMs: 10_000 })).status).toBe('completed');
    });

    it('escalation adds an approver with a working link, then replaces: the replaced links are refused; a webhook tells of each', async () => {
      const clock = new ManualClock(Date.now());
      receiver = await startReceiver();
      const fg = await setUp(clock, {
        outbound: { allowedCidrs: ['127.0.0.1/32'], allowHttp: true },
      });
      await fg.webhooks.create({ url: `${receiver.url}/hook`, events: ['hitl.escalated'] });
      const { workflowId, requestId } = await raise(fg, {
        approvers: ['alice'],
        escalation: [
          { after: 'P1D', approvers: ['bob'], mode: 'add' },
          { after: 'P2D', approvers: [{ user: 'carol' }], mode: 'replace' },
        ],
      });
      const [aliceMail] = await smtp!.waitFor(1);
      const aliceLink = linkOf(aliceMail!);

      await advance(clock, DAY);
      const [first] = await waitForEvents(workflowId, 'hitl_escalated', 1);
      expect(first!.data).toMatchObject({
        level: 1,
        mode: 'add',
        added: [{ user: 'bob' }],
        approvers: [{ user: 'alice' }, { user: 'bob' }],
      });
      const bobMail = (await smtp!.waitFor(2))[1]!;
      expect(recipient(bobMail)).toBe('bob');
      expect(bobMail.parsed.subject).toBe('Escalated: Deploy?');
      const bobLink = linkOf(bobMail);
      // Added: alice still may decide; her link still shows its page.
      expect((await app!.inject({ method: 'GET', url: aliceLink })).statusCode).toBe(200);

      await advance(clock, DAY);
      const escalated = await waitForEvents(workflowId, 'hitl_escalated', 2);
      expect(escalated[1]!.data).toMatchObject({
        level: 2,
        mode: 'replace',
        added: [{ user: 'carol' }],
        removed: [{ user: 'alice' }, { user: 'bob' }],
        approvers: [{ user: 'carol' }],
      });
      const carolMail = (await smtp!.waitFor(3))[2]!;
      expect(recipient(carolMail)).toBe('carol');

      const tokens = await fg.store.read((tx) => listRequestTokens(tx, requestId));
      const revoked = tokens.filter((token) => token.revokedReason === 'escalated');
      expect(revoked.map((token) => token.userId).sort()).toEqual(
        [users.get('alice')!.userId, users.get('bob')!.userId].sort(),
      );
      for (const path of [aliceLink, bobLink]) {
        const refused = await decideByLink(path, 'approve');
        expect(refused.statusCode).toBeGreaterThanOrEqual(400);
        expect((await fg.getHitl(requestId)).status).toBe('pending');
      }
      await expect(fg.approve(requestId, users.get('alice')!)).rejects.toMatchObject({
        code: 'FORBIDDEN',
      });

      const done = await decideByLink(linkOf(carolMail), 'approve');
      expect(done.statusCode, done.body).toBe(200);
      expect((await fg.waitFor(workflowId, { timeoutMs: 10_000 })).status).toBe('completed');
      expect((await fg.getHitl(requestId)).respondedBy).toBe('carol');

      const hooks = await receiver.waitFor(2);
      const bodies = hooks.map(
        (hook) => JSON.parse(hook.body) as { type: string; data: { level: number } },
      );
      expect(bodies.map((body) => body.type)).toEqual(['hitl.escalated', 'hitl.escalated']);
      expect(bodies.map((body) => body.data.level).sort()).toEqual([1, 2]);
    });

    it('a mail still queued for an approver the escalation replaced is dropped, never sent with a link', async () => {
      const clock = new ManualClock(Date.now());
      const fg = await setUp(clock);
      smtp!.answer = 451; // alice's mail waits for a retry
      const { workflowId } = await raise(fg, {
        approvers: ['alice'],
        // Sooner than the retry's backoff (at least 2.5 s): the level fires before alice's mail is due again.
        escalation: [{ after: 'PT1S', approvers: ['bob'], mode: 'replace' }],
      });
      const messages = () => fg.store.read((db) => listOutboxMessages(db, { workflowId }));
      await waitUntil(
        async () => (await messages()).some((m) => m.attempts > 0 && m.lastError !== null),
        'the refused first attempt',
      );
      smtp!.answer = undefined;
      await advance(clock, 1_000);
      await waitForEvents(workflowId, 'hitl_escalated', 1);
      await smtp!.waitFor(1);
      await advance(clock, HOUR);
      await waitUntil(
        async () => (await messages()).every((m) => m.status !== 'pending'),
        'both mails settled',
      );
      expect(smtp!.received.map(recipient)).toEqual(['bob']);
      const alice = (await messages()).find((m) => m.userId === users.get('alice')!.userId)!;
      expect(alice.status).toBe('skipped');
      expect(alice.lastError).toBe('the approver no longer decides this request');
    });

    it('timers survive a restart, stop when the request closes, and the timeout expires it with hitl_expired', async () => {
      const clock = new ManualClock(Date.now());
      receiver = await startReceiver();
      const outbound = { allowedCidrs: ['127.0.0.1/32'], allowHttp: true };
      let fg = await setUp(clock, { outbound });
      await fg.webhooks.create({ url: `${receiver.url}/hook`, events: ['hitl.expired'] });
      const gate = {
        approvers: ['alice'],
        reminders: { first: 'PT1H', every: 'PT1H', max: 5 },
        escalation: [{ after: 'PT90M', approvers: ['bob'] }],
        timeout: { after: 'PT3H', outcome: 'expire' },
      };
      const closed = await raise(fg, gate);
      const expiring = await raise(fg, gate);
      await smtp!.waitFor(2);

      // Closed and reopened on the same database: the timers are rows, not memory.
      await app!.close();
      app = undefined;
      await fg.close();
      clock.advance(HOUR);
      fg = await open(clock, { outbound });
      await waitForEvents(closed.workflowId, 'hitl_reminded', 1);
      await waitForEvents(expiring.workflowId, 'hitl_reminded', 1);
      await smtp!.waitFor(4);

      // Closing the request cancels its timers without touching them.
      await fg.approve(closed.requestId, users.get('alice')!);
      expect((await fg.waitFor(closed.workflowId, { timeoutMs: 10_000 })).status).toBe('completed');
      await advance(clock, HOUR);
      await waitForEvents(expiring.workflowId, 'hitl_reminded', 2);
      await waitForEvents(expiring.workflowId, 'hitl_escalated', 1);
      // Sent before the timeout: a mail still queued when its request closes is dropped, not sent.
      await smtp!.waitFor(7);

      await advance(clock, HOUR);
      const run = await fg.waitFor(expiring.workflowId, { timeoutMs: 10_000 });
      expect(run.status).toBe('failed');
      expect((await fg.getHitl(expiring.requestId)).status).toBe('expired');
      expect(await eventsOf(expiring.workflowId, 'hitl_expired')).toHaveLength(1);
      const [hook] = await receiver.waitFor(1);
      expect(JSON.parse(hook!.body)).toMatchObject({
        type: 'hitl.expired',
        data: { request_id: expiring.requestId },
      });

      await advance(clock, DAY);
      await settle();
      for (const { workflowId } of [closed, expiring]) {
        expect(await eventsOf(workflowId, 'hitl_escalated')).toHaveLength(
          workflowId === closed.workflowId ? 0 : 1,
        );
      }
      // The expired request stopped at its timeout: reminders at 1h and 2h, none at 3h or after.
      expect(await eventsOf(closed.workflowId, 'hitl_reminded')).toHaveLength(1);
      expect(await eventsOf(expiring.workflowId, 'hitl_reminded')).toHaveLength(2);
      // The escalation (due at 1.5 h) fired before the second reminder: bob was reminded too.
      expect(smtp!.received.map((m) => `${recipient(m)} ${m.parsed.subject}`)).toEqual([
        'alice Approval needed: Deploy?',
        'alice Approval needed: Deploy?',
        'alice Reminder: Deploy?',
        'alice Reminder: Deploy?',
        'bob Escalated: Deploy?',
        'alice Reminder: Deploy?',
        'bob Reminder: Deploy?',
      ]);
    });

    // Two Flowgates in one process share one thread: better-sqlite3 would wait on its own other connection. SQLite's
    // single writer is covered by the tests above; several writers are a PostgreSQL matter.
    if (dialect === 'postgres') {
      it('two Flowgates on one database fire each timer once', async () => {
        const clock = new ManualClock(Date.now());
        const fg = await setUp(clock);
        // Configured alike, as every process of one deployment is: whichever fires a timer enqueues its mails.
        const other = await createFlowgate({
          db: db!.url,
          clock,
          onError: (error) => errors.push(error),
          workers: { pollMs: 20, leaseMs: 5_000 },
          mail: {
            smtpUrl: `smtp://127.0.0.1:${smtp!.port}`,
            from: 'flowgate@example.test',
            publicUrl: PUBLIC_URL,
            delivery: { pollMs: 50, leaseMs: 5_000 },
          },
        });
        try {
          const gate = {
            approvers: ['alice'],
            reminders: { first: 'PT1H' },
            escalation: [{ after: 'PT1H', approvers: ['bob'] }],
          };
          const runs = [];
          for (let i = 0; i < 12; i++) runs.push(await raise(fg, gate));
          await smtp!.waitFor(12);
          await advance(clock, HOUR);
          for (const { workflowId } of runs) {
            await waitForEvents(workflowId, 'hitl_reminded', 1);
            await waitForEvents(workflowId, 'hitl_escalated', 1);
          }
          await settle();
          for (const { workflowId } of runs) {
            expect(await eventsOf(workflowId, 'hitl_reminded')).toHaveLength(1);
            expect(await eventsOf(workflowId, 'hitl_escalated')).toHaveLength(1);
          }
          // Per run: alice's request mail, then an escalation notice to bob and a reminder to both.
          await smtp!.waitFor(12 * 4);
          await settle();
          expect(smtp!.received).toHaveLength(12 * 4);
        } finally {
          await other.close();
        }
      });
    }
  });
}
