/**
 * The schedule routes beyond the authorization matrix (test/http/api.test.ts): what they answer, paging, pause and
 * resume, history, and the refusals. Both dialects, through inject(); the clock is a manual one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { AuthService } from '../../src/auth/auth-service.js';
import { buildServer, type FlowgateServer } from '../../src/http/build-server.js';
import { ManualClock, systemClock } from '../../src/shared/clock.js';
import { DIALECTS } from '../helpers/dialects.js';
import { plan, startTestFlowgate, type TestFlowgate } from '../helpers/flowgate.js';

const SECRET = 'a-test-secret-of-at-least-32-characters!';
const PASSWORD = 'p4ssword-long-enough';

interface Schedule {
  readonly id: string;
  readonly dagId: string;
  readonly paused: boolean;
  readonly nextFireAt: string | null;
  readonly [key: string]: unknown;
}

for (const dialect of DIALECTS) {
  describe(`${dialect}: schedule routes`, () => {
    let t: TestFlowgate;
    let app: FlowgateServer;
    const clock = new ManualClock(Date.UTC(2026, 2, 28, 12, 0, 0));
    const tokens = new Map<string, string>();

    const call = (who: string, method: 'GET' | 'POST' | 'PATCH', url: string, payload?: object) =>
      app.inject({
        method,
        url,
        headers: { authorization: `Bearer ${tokens.get(who)!}` },
        ...(payload ? { payload } : {}),
      });

    beforeAll(async () => {
      t = await startTestFlowgate(dialect, { clock, scheduler: false });
      // Tokens live by the real clock: the manual one jumps hours ahead.
      const auth = new AuthService({
        store: t.flowgate.store,
        clock: systemClock,
        jwtSecret: SECRET,
      });
      app = buildServer({ flowgate: t.flowgate, auth });
      await app.ready();
      for (const username of ['alice', 'olly']) {
        await auth.createUser({ username, password: PASSWORD, role: 'user' });
        const login = await app.inject({
          method: 'POST',
          url: '/api/auth/login',
          payload: { username, password: PASSWORD },
        });
        tokens.set(username, login.json<{ accessToken: string }>().accessToken);
      }
      const permissions = { owners: ['alice'], editors: [], viewers: [], isPublic: false };
      await t.flowgate.putDag(
        plan('reports', [{ id: 'only', agent: 'echo_agent' }], { permissions }),
        { createdBy: 'alice' },
      );
    });
    afterAll(async () => {
      await app?.close();
      await t?.close();
    });

    it('creates a schedule with its defaults and its next time in its own time zone', async () => {
      const response = await call('alice', 'POST', '/api/dags/reports/schedules', {
        cron: '30 2 * * *',
        timezone: 'Europe/Berlin',
        input: { kind: 'daily' },
      });
      expect(response.statusCode, response.body).toBe(201);
      expect(response.json()).toMatchObject({
        dagId: 'reports',
        cron: '30 2 * * *',
        timezone: 'Europe/Berlin',
        input: { kind: 'daily' },
        catchup: 'none',
        overlap: 'skip',
        catchupWindowSeconds: 86_400,
        maxCatchupRuns: 10,
        paused: false,
        // 02:30 does not exist on 29 March 2026 in Berlin: 03:00 CEST.
        nextFireAt: '2026-03-29T01:00:00.000Z',
        createdBy: 'alice',
      });
    });

    it('refuses a bad expression (422), an unknown time zone (422) and an unknown field (400)', async () => {
      const bad = await call('alice', 'POST', '/api/dags/reports/schedules', { cron: '* * *' });
      expect(bad.statusCode).toBe(422);
      expect(bad.json<{ error: { code: string } }>().error.code).toBe('VALIDATION_FAILED');
      const zone = await call('alice', 'POST', '/api/dags/reports/schedules', {
        cron: '* * * * *',
        timezone: 'Europe/Atlantis',
      });
      expect(zone.statusCode).toBe(422);
      const typo = await call('alice', 'POST', '/api/dags/reports/schedules', {
        cron: '* * * * *',
        timeZone: 'UTC',
      });
      expect(typo.statusCode).toBe(400);
    });

    it('pages the list, shows only visible DAGs’ schedules, pauses, resumes and tells the history', async () => {
      const ids: string[] = [];
      for (let i = 0; i < 3; i++) {
        clock.advance(1_000);
        const created = await call('alice', 'POST', '/api/dags/reports/schedules', {
          cron: `${i} * * * *`,
          overlap: 'allow',
        });
        ids.push(created.json<Schedule>().id);
      }
      const seen: string[] = [];
      let cursor: string | null = null;
      do {
        const query: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
        const page = await call('alice', 'GET', `/api/schedules?dagId=reports&limit=2${query}`);
        expect(page.statusCode, page.body).toBe(200);
        const body = page.json<{ items: Schedule[]; nextCursor: string | null }>();
        seen.push(...body.items.map((s) => s.id));
        cursor = body.nextCursor;
      } while (cursor !== null && seen.length < 100);
      expect(seen).toEqual(expect.arrayContaining(ids));
      expect(
        (await call('olly', 'GET', '/api/schedules')).json<{ items: Schedule[] }>().items,
      ).toEqual([]);

      const id = ids[0]!;
      const paused = await call('alice', 'PATCH', `/api/schedules/${id}`, { paused: true });
      expect(paused.json<Schedule>()).toMatchObject({ paused: true, nextFireAt: null });
      const resumed = await call('alice', 'PATCH', `/api/schedules/${id}`, { paused: false });
      expect(resumed.json<Schedule>()).toMatchObject({ paused: false });
      expect(resumed.json<Schedule>().nextFireAt).not.toBeNull();

      clock.advance(3_600_000);
      await t.flowgate.schedules.fireDue();
      const history = await call('alice', 'GET', `/api/schedules/${id}/history`);
      expect(history.statusCode, history.body).toBe(200);
      expect(history.json<{ items: { outcome: string; workflowId: string }[] }>().items).toEqual([
        expect.objectContaining({ outcome: 'started', workflowId: expect.any(String) }),
      ]);
    });
  });
}
