/**
 * Users' notification preferences (PATCH /api/me) decide the optional mails: a request to an approver always goes,
 * a reminder and seed 002's informational copy do not reach someone who declined them. Real SMTP server, the
 * injected clock for the reminder, both dialects.
 */
import { afterEach, describe, expect, it } from 'vitest';

import { AuthService } from '../../src/auth/auth-service.js';
import { buildServer, type FlowgateServer } from '../../src/http/build-server.js';
import { ManualClock, systemClock } from '../../src/shared/clock.js';
import { listOutboxMessages } from '../../src/store/repositories/outbox.js';
import { DIALECTS } from '../helpers/dialects.js';
import { plan, startTestFlowgate, type TestFlowgate } from '../helpers/flowgate.js';
import { startSmtp, type ReceivedMail, type TestSmtp } from '../helpers/smtp.js';

const PASSWORD = 'p4ssword-long-enough';
const HOUR = 3_600_000;

async function waitUntil(check: () => Promise<boolean>, what: string, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

const summary = (mail: ReceivedMail) =>
  `${[...mail.envelope.to].sort().join(',')} ${mail.parsed.subject ?? ''}`;

for (const dialect of DIALECTS) {
  describe(`${dialect}: notification preferences`, () => {
    let t: TestFlowgate | undefined;
    let smtp: TestSmtp | undefined;
    let app: FlowgateServer | undefined;

    afterEach(async () => {
      await app?.close();
      await t?.close();
      await smtp?.close();
      app = t = smtp = undefined;
    });

    it('requests always go; reminders and copies skip whoever declined them', async () => {
      const clock = new ManualClock(Date.now());
      smtp = await startSmtp();
      t = await startTestFlowgate(dialect, {
        clock,
        mail: {
          smtpUrl: `smtp://127.0.0.1:${smtp.port}`,
          from: 'flowgate@example.test',
          publicUrl: 'https://flowgate.example.test',
          delivery: { pollMs: 50, leaseMs: 5_000 },
        },
      });
      const auth = new AuthService({
        store: t.flowgate.store,
        clock: systemClock,
        jwtSecret: 'a-test-secret-of-at-least-32-characters!',
      });
      for (const name of ['alice', 'bob', 'carol']) {
        await auth.createUser({
          username: name,
          password: PASSWORD,
          role: 'user',
          email: `${name}@example.test`,
        });
      }
      app = buildServer({
        flowgate: t.flowgate,
        auth,
        loginRateLimit: { max: 1000, timeWindowMs: 60_000 },
      });
      await app.ready();
      // alice wants no optional mail; carol wants no workflow updates (copies) but reminders are fine.
      for (const [name, notifications] of [
        ['alice', { email: false }],
        ['carol', { workflowUpdates: false }],
      ] as const) {
        const login = await app.inject({
          method: 'POST',
          url: '/api/auth/login',
          payload: { username: name, password: PASSWORD },
        });
        const token = login.json<{ accessToken: string }>().accessToken;
        const patched = await app.inject({
          method: 'PATCH',
          url: '/api/me',
          headers: { authorization: `Bearer ${token}` },
          payload: { preferences: { notifications } },
        });
        expect(patched.statusCode, patched.body).toBe(200);
      }

      const { workflowId } = await t.flowgate.start(
        plan('prefs', [
          {
            id: 'gate',
            type: 'human_in_loop',
            config: {
              message: 'Ship?',
              approvers: ['alice', 'bob', 'carol'],
              quorum: { mode: 'all' },
              reminders: { first: 'PT1H' },
              outputTypes: ['email'],
              args: {
                to: ['ALICE@example.test', 'outside@partner.test'],
                cc: ['carol@example.test', 'bob@example.test'],
              },
            },
          },
        ]),
      );
      await t.flowgate.waitFor(workflowId, { until: ['paused'], timeoutMs: 10_000 });
      // Three requests (alice's too: a request to decide always goes) and one copy without alice and carol.
      await smtp.waitFor(4);
      const messages = () => t!.flowgate.store.read((db) => listOutboxMessages(db, { workflowId }));
      await waitUntil(
        async () => (await messages()).every((m) => m.status !== 'pending'),
        'the first mails settled',
      );
      expect(smtp.received.map(summary).sort()).toEqual([
        'alice@example.test Approval needed: Ship?',
        'bob@example.test Approval needed: Ship?',
        'bob@example.test,outside@partner.test Decision requested: Ship?',
        'carol@example.test Approval needed: Ship?',
      ]);
      const copy = smtp.received.find((m) => m.parsed.subject?.startsWith('Decision'))!;
      expect(copy.raw).not.toContain('ALICE@example.test');
      expect(copy.raw).not.toContain('carol@example.test');

      clock.advance(HOUR);
      await waitUntil(
        async () =>
          (await t!.flowgate.listEvents(workflowId)).some((e) => e.type === 'hitl_reminded'),
        'the reminder',
      );
      // Reminders: bob and carol, not alice.
      await smtp.waitFor(6);
      await waitUntil(
        async () => (await messages()).every((m) => m.status !== 'pending'),
        'the reminders settled',
      );
      expect(smtp.received.slice(4).map(summary).sort()).toEqual([
        'bob@example.test Reminder: Ship?',
        'carol@example.test Reminder: Ship?',
      ]);
      expect(smtp.received).toHaveLength(6);
    });
  });
}
