import {
  runRetentionPass,
  type RetentionPass,
  type RetentionPassEnv,
} from './run-retention-pass.js';

export interface RetentionLoopOptions {
  /** The global retention in milliseconds (FLOWGATE_RETENTION); undefined: only DAGs with their own lose runs. */
  readonly defaultMs?: number;
  /** Between passes (default an hour), give or take a tenth so that processes started together drift apart. */
  readonly intervalMs?: number;
  /** Before the first pass (default a minute, give or take half): a start is busy enough without one. */
  readonly firstDelayMs?: number;
  /** Runs (or messages) per transaction (default 500). */
  readonly batchSize?: number;
  readonly random: () => number;
  readonly onPass?: (pass: RetentionPass) => void;
  readonly onError: (error: unknown) => void;
}

/**
 * The retention pass of a process that runs workers, on a timer. Nothing is lost when a process stops between
 * passes (what is old now is still old at the next one), so the timer needs no durable state; two processes each
 * with a loop only share the deleting.
 */
export class RetentionLoop {
  readonly #env: RetentionPassEnv;
  readonly #options: RetentionLoopOptions;
  #loop: Promise<void> | undefined;
  #stopping = false;
  #wake: (() => void) | undefined;
  #last: RetentionPass | undefined;

  constructor(env: RetentionPassEnv, options: RetentionLoopOptions) {
    this.#env = env;
    this.#options = options;
  }

  /** The last pass that finished, if any. */
  get lastPass(): RetentionPass | undefined {
    return this.#last;
  }

  start(): void {
    if (this.#loop) return;
    this.#stopping = false;
    this.#loop = this.#run();
  }

  /** Finishes the batch in progress (one transaction at most) and stops. */
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

  /** One pass now, whatever the timer says. */
  async runOnce(): Promise<RetentionPass> {
    const pass = await runRetentionPass(this.#env, {
      ...(this.#options.defaultMs !== undefined ? { defaultMs: this.#options.defaultMs } : {}),
      batchSize: this.#options.batchSize ?? 500,
      isStopping: () => this.#stopping,
    });
    this.#last = pass;
    this.#options.onPass?.(pass);
    return pass;
  }

  async #run(): Promise<void> {
    let delay = this.#jitter(this.#options.firstDelayMs ?? 60_000, 0.5);
    while (!this.#stopping) {
      await this.#sleep(delay);
      if (this.#stopping) break;
      try {
        await this.runOnce();
      } catch (error) {
        this.#options.onError(error);
      }
      delay = this.#jitter(this.#options.intervalMs ?? 3_600_000, 0.1);
    }
  }

  #jitter(ms: number, spread: number): number {
    return Math.round(ms * (1 - spread + 2 * spread * this.#options.random()));
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      this.#wake = done;
      function done() {
        clearTimeout(timer);
        resolve();
      }
    });
  }
}
