/**
 * `GET /api/workflows` filters: status, DAG and version, start time (since/until) and "waiting on a person"
 * (`waiting=true`: paused on a request; `false`: every other run). Filters combine with paging and with the caller's
 * visibility. And `GET /api/metrics/run-timeline`: the same runs counted per day. Both dialects.
 */
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startApiApp, type ApiApp } from '../helpers/api-app.js';
import { DIALECTS } from '../helpers/dialects.js';
import { plan, startTestFlowgate, type TestFlowgate } from '../helpers/flowgate.js';

const first = { id: 'first', agent: 'echo_agent', config: { input: { ok: true } } };
const gate = { id: 'gate', type: 'human_in_loop', deps: ['first'] };

interface Run {
  workflowId: string;
  dagId: string;
  version: number;
  status: string;
  createdAt: string;
}

for (const dialect of DIALECTS) {
  describe(`${dialect}: filtering the runs list`, () => {
    let t: TestFlowgate;
    let api: ApiApp;
    /** Runs in the order they started: v1 completed, v2 waiting, v2 completed, then one of another DAG. */
    const started: Run[] = [];

    const list = (query: string): Promise<LightMyRequestResponse> =>
      api.call('admin', 'GET', `/api/workflows?${query}`);
    const ids = async (query: string): Promise<string[]> => {
      const response = await list(query);
      expect(response.statusCode, response.body).toBe(200);
      return response.json<{ items: Run[] }>().items.map((run) => run.workflowId);
    };
    const idsOf = (...indexes: number[]) => indexes.map((i) => started[i]!.workflowId);

    beforeAll(async () => {
      t = await startTestFlowgate(dialect);
      api = await startApiApp(t.flowgate);

      await t.flowgate.putDag(plan('report', [first]));
      const startAndSettle = async (dagId: string, until: string[]) => {
        const { workflowId } = await t.flowgate.start(dagId, {});
        const run = await t.flowgate.waitFor(workflowId, { until, timeoutMs: 10_000 });
        started.push(run);
        // Distinct start times, so that since/until have one right answer.
        await new Promise((resolve) => setTimeout(resolve, 15));
      };
      await startAndSettle('report', ['completed']);
      await t.flowgate.putDag(plan('report', [first, gate]));
      await startAndSettle('report', ['paused']);
      await t.flowgate.putDag(plan('report', [first]));
      await startAndSettle('report', ['completed']);
      await t.flowgate.putDag(plan('other', [first, gate]));
      await startAndSettle('other', ['paused']);
    }, 60_000);

    afterAll(async () => {
      await api?.close();
      await t?.close();
    });

    it('filters by DAG and version, by start time, and by waiting on a person', async () => {
      expect(started.map((r) => [r.dagId, r.version, r.status])).toEqual([
        ['report', 1, 'completed'],
        ['report', 2, 'paused'],
        ['report', 3, 'completed'],
        ['other', 1, 'paused'],
      ]);
      expect(await ids('dagId=report&version=2')).toEqual(idsOf(1));
      expect(await ids('dagId=report')).toEqual(idsOf(2, 1, 0));
      expect(await ids('waiting=true')).toEqual(idsOf(3, 1));
      expect(await ids('waiting=false')).toEqual(idsOf(2, 0));
      expect(await ids('waiting=true&dagId=report')).toEqual(idsOf(1));

      const since = encodeURIComponent(started[1]!.createdAt);
      const until = encodeURIComponent(started[3]!.createdAt);
      expect(await ids(`since=${since}`)).toEqual(idsOf(3, 2, 1));
      expect(await ids(`since=${since}&until=${until}`)).toEqual(idsOf(2, 1));
      expect(await ids(`until=${until}&status=completed`)).toEqual(idsOf(2, 0));
    });

    it('pages a filtered list without losing or repeating a run', async () => {
      const seen: string[] = [];
      let cursor: string | null = null;
      for (let pages = 0; pages < 5; pages++) {
        const response = await list(
          `dagId=report&limit=1${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
        );
        const body = response.json<{ items: Run[]; nextCursor: string | null }>();
        seen.push(...body.items.map((run) => run.workflowId));
        cursor = body.nextCursor;
        if (!cursor) break;
      }
      expect(seen).toEqual(idsOf(2, 1, 0));
    });

    it('counts runs per day, by status, with empty days as zeros', async () => {
      const response = await api.call('admin', 'GET', '/api/metrics/run-timeline?days=3');
      expect(response.statusCode, response.body).toBe(200);
      const { days } = response.json<{
        days: { day: string; total: number; byStatus: Record<string, number> }[];
      }>();
      const today = started[3]!.createdAt.slice(0, 10);
      expect(days.map((d) => d.day)).toHaveLength(3);
      expect(days.at(-1)!.day).toBe(today);
      // Runs of the test started today (UTC), unless the test ran across midnight.
      const sameDay = started.every((run) => run.createdAt.slice(0, 10) === today);
      if (sameDay) {
        expect(days.at(-1)).toEqual({
          day: today,
          total: 4,
          byStatus: { completed: 2, paused: 2 },
        });
        expect(days.slice(0, 2).map((d) => d.total)).toEqual([0, 0]);
      }
      expect(days.reduce((sum, d) => sum + d.total, 0)).toBe(4);
      const bad = await api.call('admin', 'GET', '/api/metrics/run-timeline?days=0');
      expect(bad.statusCode).toBe(400);
    });

    it('refuses filters it cannot apply, with a JSON error', async () => {
      for (const query of [
        'version=2',
        'since=yesterday',
        'waiting=maybe',
        'version=0&dagId=report',
      ]) {
        const response = await list(query);
        expect(response.statusCode, query).toBe(400);
        expect(response.json<{ error: { code: string } }>().error.code).toMatch(
          /BAD_REQUEST|VALIDATION_FAILED/,
        );
      }
    });
  });
}
