/**
 * Schedules as the shells see them: create, list, change, pause, resume and delete a DAG's cron schedules, with the
 * DAG's permissions checked for a caller (HTTP passes the signed-in user; the library and the CLI, which hold the
 * database itself, may act without one). The loop that fires them lives in src/schedules.
 */
import type { RunStartEnv } from '../engine/start-stored-runs.js';
import { nextOccurrence, parseCronSpec } from '../schedules/cron-spec.js';
import { fireDueSchedules, type FiredOccurrence } from '../schedules/fire-schedules.js';
import {
  CATCHUP_VALUES,
  OVERLAP_VALUES,
  SCHEDULE_DEFAULTS,
  type Catchup,
  type Overlap,
} from '../schedules/schedule-policy.js';
import {
  deleteSchedule,
  getSchedule,
  insertSchedule,
  listScheduleFires,
  listSchedules,
  updateSchedule,
  type ScheduleChanges,
  type ScheduleRecord,
} from '../store/repositories/schedules.js';
import type { Actor } from '../shared/actor.js';
import { toIso } from '../shared/clock.js';
import { FlowgateError } from '../shared/errors.js';
import { fromJson, toJson } from '../shared/json.js';
import { actorName, demandMaySchedule, visibleDagFor, visibleDagIdsFor } from './dag-access.js';
import { cursorPair, pageLimit } from './paging.js';
import { encodeCursor } from './views.js';

export {
  CATCHUP_VALUES,
  OVERLAP_VALUES,
  SCHEDULE_DEFAULTS,
  type Catchup,
  type FiredOccurrence,
  type Overlap,
};

/** What a schedule is made of; everything but `cron` has a default. */
export interface ScheduleSpec {
  /** 5 fields, or 6 with seconds first. */
  readonly cron: string;
  /** An IANA time zone; UTC by default. */
  readonly timezone?: string;
  /** The input of every run it starts. */
  readonly input?: unknown;
  readonly catchup?: Catchup;
  readonly overlap?: Overlap;
  /** How far back missed occurrences are looked for (default a day). */
  readonly catchupWindowSeconds?: number;
  /** The most missed occurrences `catchup: all` starts at once (default 10). */
  readonly maxCatchupRuns?: number;
  /** Created paused (default false). */
  readonly paused?: boolean;
}

export type ScheduleUpdate = Partial<ScheduleSpec>;

export interface ScheduleView {
  readonly id: string;
  readonly dagId: string;
  readonly cron: string;
  readonly timezone: string;
  readonly input: unknown;
  readonly catchup: string;
  readonly catchupWindowSeconds: number;
  readonly maxCatchupRuns: number;
  readonly overlap: string;
  readonly paused: boolean;
  /** The next occurrence it will handle (null while paused, or when the expression has none left). */
  readonly nextFireAt: string | null;
  readonly lastScheduledFor: string | null;
  readonly lastWorkflowId: string | null;
  /** The occurrence `buffer_one` holds until the active run ends. */
  readonly bufferedFor: string | null;
  readonly createdBy: string | null;
  readonly createdAt: string;
  readonly updatedAt: string;
}

export interface ScheduleFireView {
  readonly scheduledFor: string;
  readonly outcome: string;
  readonly reason: string | null;
  readonly workflowId: string | null;
  readonly createdAt: string;
}

/** Who acts: a signed-in caller (permissions checked), or trusted code naming who it acts for. */
export interface ScheduleCaller {
  readonly caller?: Actor;
  /** For library and CLI use without a caller: recorded as the creator (and so the starter of the runs). */
  readonly createdBy?: string;
}

const MAX_WINDOW_SECONDS = 366 * 86_400;
const MAX_CATCHUP_RUNS = 1_000;

function scheduleView(record: ScheduleRecord): ScheduleView {
  return {
    id: record.scheduleId,
    dagId: record.dagId,
    cron: record.cron,
    timezone: record.timezone,
    input: fromJson(record.input) ?? null,
    catchup: record.catchup,
    catchupWindowSeconds: record.catchupWindowSeconds,
    maxCatchupRuns: record.maxCatchupRuns,
    overlap: record.overlap,
    paused: record.paused,
    nextFireAt: record.paused ? null : record.nextFireAt,
    lastScheduledFor: record.lastScheduledFor,
    lastWorkflowId: record.lastWorkflowId,
    bufferedFor: record.bufferedFor,
    createdBy: record.createdBy,
    createdAt: record.createdAt,
    updatedAt: record.updatedAt,
  };
}

function checkLimits(spec: ScheduleUpdate): void {
  const whole = (value: number | undefined, max: number, name: string) => {
    if (value !== undefined && (!Number.isInteger(value) || value < 1 || value > max)) {
      throw new FlowgateError(
        'VALIDATION_FAILED',
        `${name} must be a whole number from 1 to ${max}`,
      );
    }
  };
  whole(spec.catchupWindowSeconds, MAX_WINDOW_SECONDS, 'catchupWindowSeconds');
  whole(spec.maxCatchupRuns, MAX_CATCHUP_RUNS, 'maxCatchupRuns');
  if (spec.catchup !== undefined && !CATCHUP_VALUES.includes(spec.catchup)) {
    throw new FlowgateError('VALIDATION_FAILED', `catchup is one of ${CATCHUP_VALUES.join(', ')}`);
  }
  if (spec.overlap !== undefined && !OVERLAP_VALUES.includes(spec.overlap)) {
    throw new FlowgateError('VALIDATION_FAILED', `overlap is one of ${OVERLAP_VALUES.join(', ')}`);
  }
}

/**
 * A Flowgate's cron schedules (`flowgate.schedules`). The processes that run workers fire them.
 *
 * @example
 * ```ts
 * const nightly = await flowgate.schedules.create(
 *   'reports',
 *   { cron: '30 2 * * *', timezone: 'Europe/Berlin', catchup: 'latest', input: { full: true } },
 *   { createdBy: 'alice' },
 * );
 * await flowgate.schedules.pause(nightly.id);
 * await flowgate.schedules.resume(nightly.id); // from now on; the paused time is not caught up
 * ```
 */
export class Schedules {
  readonly #env: RunStartEnv;
  readonly #wake: () => void;

  /** @internal Made by the Flowgate, which owns the environment and the scheduler loop to wake. */
  constructor(env: RunStartEnv, wake: () => void) {
    this.#env = env;
    this.#wake = wake;
  }

  /** Adds a schedule to a DAG; it first fires at the expression's next occurrence from now. */
  async create(dagId: string, spec: ScheduleSpec, who: ScheduleCaller = {}): Promise<ScheduleView> {
    const dag = await visibleDagFor(this.#env.engine.store, dagId, who.caller);
    demandMaySchedule(who.caller, dag);
    checkLimits(spec);
    const cron = parseCronSpec(spec.cron, spec.timezone ?? SCHEDULE_DEFAULTS.timezone);
    const now = this.#env.engine.clock.now();
    const next = nextOccurrence(cron, now);
    const row = {
      schedule_id: this.#env.engine.newId(),
      dag_id: dag.dagId,
      cron: cron.cron,
      timezone: cron.timezone,
      input: toJson(spec.input ?? null),
      catchup: spec.catchup ?? SCHEDULE_DEFAULTS.catchup,
      catchup_window_seconds: spec.catchupWindowSeconds ?? SCHEDULE_DEFAULTS.catchupWindowMs / 1000,
      max_catchup_runs: spec.maxCatchupRuns ?? SCHEDULE_DEFAULTS.maxCatchupRuns,
      overlap: spec.overlap ?? SCHEDULE_DEFAULTS.overlap,
      paused: spec.paused === true ? 1 : 0,
      next_fire_at: next === null ? null : toIso(next),
      last_scheduled_for: null,
      last_workflow_id: null,
      buffered_for: null,
      created_by: who.caller ? actorName(who.caller) : (who.createdBy ?? null),
      created_at: toIso(now),
      updated_at: toIso(now),
    };
    await this.#env.engine.store.transaction((tx) => insertSchedule(tx, row));
    this.#wake();
    return this.get(row.schedule_id);
  }

  /** One schedule; NOT_FOUND when it does not exist or the caller may not see its DAG. */
  async get(scheduleId: string, who: ScheduleCaller = {}): Promise<ScheduleView> {
    return scheduleView(await this.#visible(scheduleId, who.caller));
  }

  /** Schedules, oldest first; a caller sees only those of DAGs they may see. */
  async list(
    filter: { dagId?: string; limit?: number; cursor?: string } = {},
    who: ScheduleCaller = {},
  ): Promise<{ items: ScheduleView[]; nextCursor: string | null }> {
    const limit = pageLimit(filter.limit);
    const after = filter.cursor === undefined ? undefined : cursorPair(filter.cursor);
    const dagIds = await visibleDagIdsFor(this.#env.engine.store, who.caller);
    const rows = await this.#env.engine.store.read((db) =>
      listSchedules(db, {
        limit: limit + 1,
        ...(filter.dagId !== undefined ? { dagId: filter.dagId } : {}),
        ...(dagIds ? { dagIds } : {}),
        ...(after ? { after: { createdAt: after[0], scheduleId: after[1] } } : {}),
      }),
    );
    const items = rows.slice(0, limit);
    const last = items[items.length - 1];
    return {
      items: items.map(scheduleView),
      nextCursor:
        rows.length > limit && last ? encodeCursor([last.createdAt, last.scheduleId]) : null,
    };
  }

  /**
   * Changes a schedule. `paused: true` stops it firing (a buffered start waits too); `paused: false` resumes it from
   * now: what fell due while it was paused is not caught up. A new expression or time zone also counts from now.
   */
  async update(
    scheduleId: string,
    update: ScheduleUpdate,
    who: ScheduleCaller = {},
  ): Promise<ScheduleView> {
    const current = await this.#visible(scheduleId, who.caller);
    if (who.caller) {
      const dag = await visibleDagFor(this.#env.engine.store, current.dagId, who.caller, {
        includeArchived: true,
      });
      demandMaySchedule(who.caller, dag);
    }
    checkLimits(update);
    const now = this.#env.engine.clock.now();
    const changes: ScheduleChanges = { updated_at: toIso(now) };
    const retimed =
      update.cron !== undefined ||
      update.timezone !== undefined ||
      (update.paused === false && current.paused);
    if (retimed) {
      const cron = parseCronSpec(update.cron ?? current.cron, update.timezone ?? current.timezone);
      const next = nextOccurrence(cron, now);
      changes.cron = cron.cron;
      changes.timezone = cron.timezone;
      changes.next_fire_at = next === null ? null : toIso(next);
    }
    if (update.input !== undefined) changes.input = toJson(update.input);
    if (update.catchup !== undefined) changes.catchup = update.catchup;
    if (update.overlap !== undefined) changes.overlap = update.overlap;
    if (update.catchupWindowSeconds !== undefined) {
      changes.catchup_window_seconds = update.catchupWindowSeconds;
    }
    if (update.maxCatchupRuns !== undefined) changes.max_catchup_runs = update.maxCatchupRuns;
    if (update.paused !== undefined) changes.paused = update.paused ? 1 : 0;
    await this.#env.engine.store.transaction((tx) => updateSchedule(tx, scheduleId, changes));
    this.#wake();
    return this.get(scheduleId);
  }

  pause(scheduleId: string, who: ScheduleCaller = {}): Promise<ScheduleView> {
    return this.update(scheduleId, { paused: true }, who);
  }

  resume(scheduleId: string, who: ScheduleCaller = {}): Promise<ScheduleView> {
    return this.update(scheduleId, { paused: false }, who);
  }

  /** Deletes a schedule and its history; the runs it started stay. */
  async delete(scheduleId: string, who: ScheduleCaller = {}): Promise<void> {
    const current = await this.#visible(scheduleId, who.caller);
    if (who.caller) {
      const dag = await visibleDagFor(this.#env.engine.store, current.dagId, who.caller, {
        includeArchived: true,
      });
      demandMaySchedule(who.caller, dag);
    }
    await this.#env.engine.store.transaction((tx) => deleteSchedule(tx, scheduleId));
  }

  /** What became of the schedule's recent occurrences (started, skipped and why, buffered), newest first. */
  async history(
    scheduleId: string,
    options: { limit?: number } = {},
    who: ScheduleCaller = {},
  ): Promise<ScheduleFireView[]> {
    await this.#visible(scheduleId, who.caller);
    const fires = await this.#env.engine.store.read((db) =>
      listScheduleFires(db, scheduleId, pageLimit(options.limit)),
    );
    return fires.map((fire) => ({
      scheduledFor: fire.scheduledFor,
      outcome: fire.outcome,
      reason: fire.reason,
      workflowId: fire.workflowId,
      createdAt: fire.createdAt,
    }));
  }

  /**
   * One pass of the scheduler, now: what the loop of a process with workers does when a schedule falls due. For
   * tests that drive a clock, and for a client without workers that wants due schedules fired once.
   */
  fireDue(): Promise<FiredOccurrence[]> {
    return fireDueSchedules(this.#env);
  }

  async #visible(scheduleId: string, caller: Actor | undefined): Promise<ScheduleRecord> {
    const missing = new FlowgateError('NOT_FOUND', `Schedule ${scheduleId} does not exist`);
    const record = await this.#env.engine.store.read((db) => getSchedule(db, scheduleId));
    if (!record) throw missing;
    if (caller) {
      await visibleDagFor(this.#env.engine.store, record.dagId, caller, {
        what: `Schedule ${scheduleId}`,
        includeArchived: true,
      });
    }
    return record;
  }
}
