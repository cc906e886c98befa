/**
 * Schedules against a real database: catch-up after downtime, overlap policies, pause and resume, two Flowgates on
 * one database, and the loop itself. Time is a manual clock except in the loop's own test; every wait is bounded.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { createFlowgate, type Flowgate } from '../../src/app/flowgate.js';
import { ManualClock } from '../../src/shared/clock.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../helpers/dialects.js';
import { plan } from '../helpers/flowgate.js';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

const echoDag = (dagId: string) =>
  plan(dagId, [{ id: 'only', agent: 'echo_agent', config: { input: { ok: true } } }]);

interface StartedBySchedule {
  readonly workflowId: string;
  readonly scheduleId: string;
  readonly scheduledFor: string;
}

/** The runs a DAG's schedules started, read back from their start events (what the audit trail records). */
async function scheduledRuns(flowgate: Flowgate, dagId: string): Promise<StartedBySchedule[]> {
  const runs: StartedBySchedule[] = [];
  let cursor: string | undefined;
  do {
    const page = await flowgate.listWorkflows({ dagId, limit: 500, ...(cursor ? { cursor } : {}) });
    for (const run of page.items) {
      const [started] = await flowgate.listEvents(run.workflowId, { limit: 1 });
      const trigger = (started?.data as { trigger?: { scheduleId: string; scheduledFor: string } })
        .trigger;
      if (trigger) runs.push({ workflowId: run.workflowId, ...trigger });
    }
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined);
  return runs.sort((a, b) => a.scheduledFor.localeCompare(b.scheduledFor));
}

for (const dialect of DIALECTS) {
  describe(`${dialect}: schedules`, () => {
    let db: TestDatabase;
    let clock: ManualClock;
    const open: Flowgate[] = [];

    /** A Flowgate without workers or scheduler loop: runs stay active until cancelled, and schedules fire when told. */
    const client = async () => {
      const flowgate = await createFlowgate({ db: db.url, clock, workers: false });
      open.push(flowgate);
      return flowgate;
    };

    beforeEach(async () => {
      db = await createTestDatabase(dialect);
      clock = new ManualClock(Date.UTC(2026, 0, 5, 9, 59, 30));
    });
    afterEach(async () => {
      await Promise.all(open.splice(0).map((f) => f.close()));
      await db.drop();
    });

    it('a server down for three hours: catch-up none, latest, all start 0, 1, 3 runs', async () => {
      let flowgate = await client();
      const ids: Record<string, string> = {};
      for (const catchup of ['none', 'latest', 'all'] as const) {
        await flowgate.putDag(echoDag(`hourly_${catchup}`), { createdBy: 'alice' });
        const schedule = await flowgate.schedules.create(
          `hourly_${catchup}`,
          { cron: '0 * * * *', catchup, overlap: 'allow', input: { catchup } },
          { createdBy: 'alice' },
        );
        expect(schedule.nextFireAt).toBe('2026-01-05T10:00:00.000Z');
        ids[catchup] = schedule.id;
      }
      clock.advance(30_000);
      expect(await flowgate.schedules.fireDue()).toHaveLength(3);

      // Down from 10:00:30 to 13:30: 11:00, 12:00 and 13:00 pass with no scheduler.
      await flowgate.close();
      clock.advance(3 * HOUR + 29 * MINUTE + 30_000);
      flowgate = await client();
      await flowgate.schedules.fireDue();

      const counts = Object.fromEntries(
        await Promise.all(
          (['none', 'latest', 'all'] as const).map(async (catchup) => [
            catchup,
            (await scheduledRuns(flowgate, `hourly_${catchup}`)).map((r) => r.scheduledFor),
          ]),
        ),
      );
      expect(counts).toEqual({
        none: ['2026-01-05T10:00:00.000Z'],
        latest: ['2026-01-05T10:00:00.000Z', '2026-01-05T13:00:00.000Z'],
        all: [
          '2026-01-05T10:00:00.000Z',
          '2026-01-05T11:00:00.000Z',
          '2026-01-05T12:00:00.000Z',
          '2026-01-05T13:00:00.000Z',
        ],
      });
      for (const catchup of ['none', 'latest', 'all'] as const) {
        const schedule = await flowgate.schedules.get(ids[catchup]!);
        expect(schedule.nextFireAt).toBe('2026-01-05T14:00:00.000Z');
      }
      // The runs carry the schedule's input and were started in its creator's name.
      const [first] = await scheduledRuns(flowgate, 'hourly_all');
      const run = await flowgate.getWorkflow(first!.workflowId);
      expect(run).toMatchObject({ input: { catchup: 'all' }, createdBy: 'alice' });
    });

    it('overlap skip: an occurrence due while the previous run is active is skipped, and says why', async () => {
      const flowgate = await client();
      await flowgate.putDag(echoDag('skipper'));
      const schedule = await flowgate.schedules.create('skipper', { cron: '* * * * *' });
      expect(schedule.overlap).toBe('skip');

      clock.advance(30_000); // 10:00
      const [first] = await flowgate.schedules.fireDue();
      expect(first).toMatchObject({ outcome: 'started', scheduledFor: '2026-01-05T10:00:00.000Z' });
      clock.advance(MINUTE); // 10:01, the 10:00 run still running
      expect(await flowgate.schedules.fireDue()).toEqual([
        expect.objectContaining({ outcome: 'skipped', scheduledFor: '2026-01-05T10:01:00.000Z' }),
      ]);
      const history = await flowgate.schedules.history(schedule.id);
      expect(history[0]).toMatchObject({
        outcome: 'skipped',
        reason: `run ${first!.workflowId} is still active`,
      });

      await flowgate.cancel(first!.workflowId!, 'alice');
      clock.advance(MINUTE); // 10:02
      expect(await flowgate.schedules.fireDue()).toEqual([
        expect.objectContaining({ outcome: 'started', scheduledFor: '2026-01-05T10:02:00.000Z' }),
      ]);
      expect((await scheduledRuns(flowgate, 'skipper')).map((r) => r.scheduledFor)).toEqual([
        '2026-01-05T10:00:00.000Z',
        '2026-01-05T10:02:00.000Z',
      ]);
    });

    it('overlap buffer_one: one occurrence waits for the active run and starts when it ends', async () => {
      const flowgate = await client();
      await flowgate.putDag(echoDag('buffered'));
      const schedule = await flowgate.schedules.create('buffered', {
        cron: '* * * * *',
        overlap: 'buffer_one',
      });
      clock.advance(30_000); // 10:00
      const [first] = await flowgate.schedules.fireDue();
      clock.advance(MINUTE); // 10:01: buffered
      expect(await flowgate.schedules.fireDue()).toEqual([
        expect.objectContaining({ outcome: 'buffered', scheduledFor: '2026-01-05T10:01:00.000Z' }),
      ]);
      clock.advance(MINUTE); // 10:02: one is buffered already, so this one is skipped
      expect(await flowgate.schedules.fireDue()).toEqual([
        expect.objectContaining({ outcome: 'skipped', scheduledFor: '2026-01-05T10:02:00.000Z' }),
      ]);
      expect((await flowgate.schedules.get(schedule.id)).bufferedFor).toBe(
        '2026-01-05T10:01:00.000Z',
      );
      // Nothing starts while the first run goes on.
      expect(await flowgate.schedules.fireDue()).toEqual([]);

      await flowgate.cancel(first!.workflowId!, 'alice');
      const released = await flowgate.schedules.fireDue();
      expect(released).toEqual([
        expect.objectContaining({ outcome: 'started', scheduledFor: '2026-01-05T10:01:00.000Z' }),
      ]);
      expect((await flowgate.schedules.get(schedule.id)).bufferedFor).toBeNull();
      expect((await scheduledRuns(flowgate, 'buffered')).map((r) => r.scheduledFor)).toEqual([
        '2026-01-05T10:00:00.000Z',
        '2026-01-05T10:01:00.000Z',
      ]);
      const history = await flowgate.schedules.history(schedule.id);
      expect(history.map((h) => [h.scheduledFor.slice(11, 16), h.outcome])).toEqual([
        ['10:02', 'skipped'],
        ['10:01', 'started'],
        ['10:00', 'started'],
      ]);
    });

    it('pause and resume: nothing fires while paused, and resuming does not catch up the pause', async () => {
      const flowgate = await client();
      await flowgate.putDag(echoDag('pausable'));
      const schedule = await flowgate.schedules.create('pausable', {
        cron: '*/10 * * * *',
        catchup: 'all',
        overlap: 'allow',
      });
      const paused = await flowgate.schedules.pause(schedule.id);
      expect(paused).toMatchObject({ paused: true, nextFireAt: null });

      clock.advance(HOUR);
      expect(await flowgate.schedules.fireDue()).toEqual([]);

      const resumed = await flowgate.schedules.resume(schedule.id);
      // 10:59:30 now: the next occurrence is 11:00; the six of the paused hour are gone for good.
      expect(resumed).toMatchObject({ paused: false, nextFireAt: '2026-01-05T11:00:00.000Z' });
      clock.advance(30_000);
      expect((await flowgate.schedules.fireDue()).map((f) => f.scheduledFor)).toEqual([
        '2026-01-05T11:00:00.000Z',
      ]);
    });

    it('a changed expression counts from now; a deleted schedule starts nothing more', async () => {
      const flowgate = await client();
      await flowgate.putDag(echoDag('edited'));
      const schedule = await flowgate.schedules.create('edited', { cron: '0 0 * * *' });
      expect(schedule.nextFireAt).toBe('2026-01-06T00:00:00.000Z');
      const edited = await flowgate.schedules.update(schedule.id, {
        cron: '0 12 * * *',
        timezone: 'Asia/Tokyo',
      });
      expect(edited).toMatchObject({
        timezone: 'Asia/Tokyo',
        nextFireAt: '2026-01-06T03:00:00.000Z',
      });
      await expect(
        flowgate.schedules.update(schedule.id, { cron: 'nonsense' }),
      ).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });

      await flowgate.schedules.delete(schedule.id);
      clock.advance(24 * HOUR);
      expect(await flowgate.schedules.fireDue()).toEqual([]);
      await expect(flowgate.schedules.get(schedule.id)).rejects.toMatchObject({
        code: 'NOT_FOUND',
      });
    });

    it('a Berlin schedule fires at its wall-clock time across both changes of daylight saving time', async () => {
      clock = new ManualClock(Date.UTC(2026, 2, 27, 12, 0, 0));
      const flowgate = await client();
      await flowgate.putDag(echoDag('nightly'));
      const schedule = await flowgate.schedules.create('nightly', {
        cron: '30 2 * * *',
        timezone: 'Europe/Berlin',
        overlap: 'allow',
      });
      // Sleep until each next fire time, as the loop would, and fire: three nights in spring, three in autumn.
      const fireNights = async (nights: number) => {
        for (let night = 0; night < nights; night++) {
          const { nextFireAt } = await flowgate.schedules.get(schedule.id);
          clock.advance(Date.parse(nextFireAt!) - clock.now());
          await flowgate.schedules.fireDue();
        }
      };
      await fireNights(3);
      await flowgate.schedules.pause(schedule.id);
      clock.advance(Date.UTC(2026, 9, 23, 12) - clock.now());
      await flowgate.schedules.resume(schedule.id); // counts from now: the summer is skipped
      await fireNights(3);
      expect((await scheduledRuns(flowgate, 'nightly')).map((r) => r.scheduledFor)).toEqual([
        '2026-03-28T01:30:00.000Z', // 02:30 CET
        '2026-03-29T01:00:00.000Z', // 02:30 does not exist: 03:00 CEST
        '2026-03-30T00:30:00.000Z', // 02:30 CEST
        '2026-10-24T00:30:00.000Z', // 02:30 CEST
        '2026-10-25T00:30:00.000Z', // 02:30 happens twice: the first, CEST, only
        '2026-10-26T01:30:00.000Z', // 02:30 CET
      ]);
    });

    it('a schedule of an archived DAG starts nothing and pauses itself, saying why', async () => {
      const flowgate = await client();
      await flowgate.putDag(echoDag('retired'));
      const schedule = await flowgate.schedules.create('retired', { cron: '* * * * *' });
      await flowgate.archiveDag('retired');
      clock.advance(30_000);
      expect(await flowgate.schedules.fireDue()).toEqual([
        expect.objectContaining({
          outcome: 'skipped',
          reason: 'the DAG is archived; the schedule is paused',
        }),
      ]);
      expect((await flowgate.schedules.get(schedule.id)).paused).toBe(true);
      clock.advance(MINUTE);
      expect(await flowgate.schedules.fireDue()).toEqual([]);
      expect(await scheduledRuns(flowgate, 'retired')).toEqual([]);
    });

    // Two SQLite connections in one process block each other's thread (better-sqlite3 waits for a lock
    // synchronously), so the in-process pair needs a server database; SQLite's single writer serialises anyway.
    it.skipIf(dialect === 'sqlite')(
      'two Flowgates on one database never start one scheduled time twice',
      async () => {
        const [a, b] = [await client(), await client()];
        await a.putDag(echoDag('contended'));
        for (let i = 0; i < 4; i++) {
          await a.schedules.create('contended', { cron: '* * * * *', overlap: 'allow' });
        }
        for (let minute = 0; minute < 5; minute++) {
          clock.advance(MINUTE);
          // Four passes at once, two on each Flowgate (each with its own connections).
          await Promise.all([
            a.schedules.fireDue(),
            b.schedules.fireDue(),
            a.schedules.fireDue(),
            b.schedules.fireDue(),
          ]);
        }
        const runs = await scheduledRuns(a, 'contended');
        const keys = runs.map((r) => `${r.scheduleId}@${r.scheduledFor}`);
        expect(runs).toHaveLength(4 * 5);
        expect(new Set(keys).size).toBe(keys.length);
      },
    );
  });

  describe(`${dialect}: the scheduler loop`, () => {
    let db: TestDatabase;
    const open: Flowgate[] = [];
    beforeEach(async () => {
      db = await createTestDatabase(dialect);
    });
    afterEach(async () => {
      await Promise.all(open.splice(0).map((f) => f.close()));
      await db.drop();
    });

    // Two on PostgreSQL (see above why not on SQLite, where one stands alone).
    const instances = dialect === 'postgres' ? 2 : 1;

    it(`${instances} Flowgate(s) with workers fire an every-second schedule on their own, each second once, and the runs complete`, async () => {
      const errors: unknown[] = [];
      const start = () =>
        createFlowgate({
          db: db.url,
          workers: { pollMs: 50 },
          scheduler: { pollMs: 200 },
          onError: (error) => errors.push(error),
        });
      const a = await start();
      open.push(a);
      if (instances > 1) open.push(await start());
      await a.putDag(echoDag('ticking'));
      const schedule = await a.schedules.create('ticking', {
        cron: '* * * * * *',
        overlap: 'allow',
      });

      const deadline = Date.now() + 15_000;
      let runs: StartedBySchedule[] = [];
      while (runs.length < 3 && Date.now() < deadline) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        runs = await scheduledRuns(a, 'ticking');
      }
      await a.schedules.pause(schedule.id);
      expect(runs.length).toBeGreaterThanOrEqual(3);
      runs = await scheduledRuns(a, 'ticking');
      const times = runs.map((r) => r.scheduledFor);
      expect(new Set(times).size).toBe(times.length);
      expect(times.every((t) => t.endsWith('.000Z'))).toBe(true);
      for (const run of runs) {
        expect((await a.waitFor(run.workflowId, { timeoutMs: 10_000 })).status).toBe('completed');
      }
      expect(errors).toEqual([]);
    });
  });
}
