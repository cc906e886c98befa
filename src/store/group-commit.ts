/**
 * Group commit for calls that each want a transaction of their own (the SQLite store's write transactions). On SQLite
 * every commit waits for an fsync and only one writer runs at a time, so N callers committing one by one pay N syncs
 * in a row; gathered, they pay one. Calls that arrive while a commit is in flight wait for it and go together in the next one:
 * a lone call pays one event-loop turn, a crowd shares the disk's time. Each unit still succeeds or fails alone (the
 * committer runs each in a savepoint).
 */
export type Settled<T> = PromiseSettledResult<T>;

/** Runs every unit in one transaction and says how each ended; throws only when the commit itself failed. */
export type CommitUnits<U, T> = (units: readonly U[]) => Promise<Settled<T>[]>;

interface Pending<U, T> {
  readonly unit: U;
  readonly resolve: (value: T) => void;
  readonly reject: (reason: unknown) => void;
}

export interface GroupCommitOptions {
  /** Bounds one transaction, so that a flood does not hold the write lock for long. */
  readonly maxUnits?: number;
  /**
   * Resolves when the last commit is durable, when commits are made durable apart from the commit itself (see
   * `WalSync`). Units are answered only then; the next transaction starts meanwhile.
   */
  readonly durable?: () => Promise<void>;
}

export class GroupCommit<U, T> {
  readonly #commit: CommitUnits<U, T>;
  readonly #maxUnits: number;
  readonly #durable: (() => Promise<void>) | undefined;
  #queue: Pending<U, T>[] = [];
  #draining = false;

  constructor(commit: CommitUnits<U, T>, options: GroupCommitOptions = {}) {
    this.#commit = commit;
    this.#maxUnits = options.maxUnits ?? 200;
    this.#durable = options.durable;
  }

  submit(unit: U): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      this.#queue.push({ unit, resolve, reject });
      if (this.#draining) return;
      this.#draining = true;
      // One turn of the event loop: requests already read from their sockets join the first commit.
      setImmediate(() => void this.#drain());
    });
  }

  async #drain(): Promise<void> {
    while (this.#queue.length > 0) {
      const batch = this.#queue.splice(0, this.#maxUnits);
      try {
        const outcomes = await this.#commit(batch.map((pending) => pending.unit));
        const answer = () =>
          batch.forEach((pending, i) => {
            const outcome = outcomes[i]!;
            if (outcome.status === 'fulfilled') pending.resolve(outcome.value);
            else pending.reject(outcome.reason);
          });
        if (this.#durable) {
          this.#durable().then(answer, (error: unknown) => {
            for (const pending of batch) pending.reject(error);
          });
        } else {
          answer();
        }
      } catch (error) {
        for (const pending of batch) pending.reject(error);
      }
      // The callers just answered send their next calls within a turn or two: wait one, or the next commit carries
      // only the one call that slipped in during this one, and the one after it the rest.
      if (this.#queue.length > 0 && this.#queue.length < this.#maxUnits) {
        await new Promise((resolve) => setImmediate(resolve));
      }
    }
    this.#draining = false;
  }
}
