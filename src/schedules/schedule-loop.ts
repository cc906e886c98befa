import { deleteIdempotencyKeys } from '../store/repositories/triggers.js';
import { findNextScheduleWork } from '../store/repositories/schedules.js';
import { toIso } from '../shared/clock.js';
import { fireDueSchedules } from './fire-schedules.js';
import type { RunStartEnv } from '../engine/start-stored-runs.js';

export interface ScheduleLoopOptions {
  /**
   * The longest the loop sleeps without reading the database: how soon it notices a schedule another process
   * created or changed, and a run ending that a buffered start waits for. Its own process's changes wake it at once.
   */
  readonly pollMs?: number;
  /** How long an inbound trigger's Idempotency-Key is remembered. */
  readonly idempotencyTtlMs?: number;
  readonly onError: (error: unknown) => void;
}

/** Expired idempotency keys are deleted this often (they are also ignored when met, so this only frees space). */
const PURGE_EVERY_MS = 3_600_000;

/**
 * The scheduler of a process that runs workers: it sleeps until the next schedule falls due (read from the
 * database, so no timer is lost to a restart and croner's own timers are never used), fires what is due, and sleeps
 * again. Every sleep is bounded by `pollMs`, so it also wakes for what other processes changed; it never spins.
 */
export class ScheduleLoop {
  readonly #env: RunStartEnv;
  readonly #pollMs: number;
  readonly #ttlMs: number;
  readonly #onError: (error: unknown) => void;
  #loop: Promise<void> | undefined;
  #stopping = false;
  #woken = false;
  #wake: (() => void) | undefined;
  #nextPurge = 0;

  constructor(env: RunStartEnv, options: ScheduleLoopOptions) {
    this.#env = env;
    this.#pollMs = options.pollMs ?? 5_000;
    this.#ttlMs = options.idempotencyTtlMs ?? 24 * 3_600_000;
    this.#onError = options.onError;
  }

  start(): void {
    if (this.#loop) return;
    this.#stopping = false;
    this.#loop = this.#run();
  }

  /** Look again now: a schedule was created, changed or resumed, or a test moved its clock. */
  wake(): void {
    this.#woken = true;
    this.#wake?.();
  }

  /** Finishes the pass in progress (one transaction at most) and stops. */
  async stop(): Promise<void> {
    if (!this.#loop) return;
    this.#stopping = true;
    this.#wake?.();
    try {
      await this.#loop;
    } finally {
      this.#loop = undefined;
    }
  }

  async #run(): Promise<void> {
    while (!this.#stopping) {
      this.#woken = false;
      let delay = this.#pollMs;
      try {
        await fireDueSchedules(this.#env);
        await this.#purge();
        delay = await this.#untilNextWork();
      } catch (error) {
        this.#onError(error);
      }
      if (this.#stopping) break;
      if (!this.#woken) await this.#sleep(delay);
    }
  }

  async #untilNextWork(): Promise<number> {
    const { store, clock } = this.#env.engine;
    const next = await store.read((db) => findNextScheduleWork(db));
    if (next.nextFireAt === null) return this.#pollMs;
    return Math.min(this.#pollMs, Math.max(0, Date.parse(next.nextFireAt) - clock.now()));
  }

  async #purge(): Promise<void> {
    const now = this.#env.engine.clock.now();
    if (now < this.#nextPurge) return;
    this.#nextPurge = now + PURGE_EVERY_MS;
    const before = toIso(now - this.#ttlMs);
    await this.#env.engine.store.transaction((tx) => deleteIdempotencyKeys(tx, { before }));
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      // At least a millisecond, so that a schedule due this instant but not yet fireable cannot spin the loop.
      const timer = setTimeout(done, Math.max(1, ms));
      const wake = () => done();
      this.#wake = wake;
      function done() {
        clearTimeout(timer);
        resolve();
      }
    });
  }
}
