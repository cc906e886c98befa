import { open, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * Makes SQLite's commits durable off the event loop. With `synchronous=FULL` every COMMIT waits for an fsync of the
 * write-ahead log on the one thread that also serves HTTP and runs the engine: under load that thread spent a
 * quarter of its time blocked in the disk. Instead the database runs with `synchronous=NORMAL` (in WAL mode it is
 * never corrupted by a crash or power loss, but may lose the last commits on power loss) and, after each commit,
 * this syncs the log on libuv's thread pool. Nobody hears of a commit before the sync that covers it has finished,
 * so what a caller has been told was committed survives power loss, as with FULL; meanwhile the thread goes on
 * with the next requests and the next commit.
 *
 * One sync covers every commit written before it started, so commits that land while a sync is running share the
 * next one: at most one sync runs and one waits, whatever the commit rate.
 */
export class WalSync {
  readonly #walPath: string;
  #file: Promise<FileHandle> | undefined;
  #running: Promise<void> | undefined;
  #queued: Promise<void> | undefined;

  constructor(databasePath: string) {
    this.#walPath = `${databasePath}-wal`;
  }

  /** Resolves once everything committed before this call is on disk. */
  afterCommit(): Promise<void> {
    if (!this.#running) return this.#start();
    // The running sync may have started before this commit was written: the next one covers it.
    this.#queued ??= this.#running.then(
      () => this.#next(),
      () => this.#next(),
    );
    return this.#queued;
  }

  async close(): Promise<void> {
    await Promise.allSettled([this.#running, this.#queued]);
    const file = this.#file;
    this.#file = undefined;
    if (file) await (await file).close();
  }

  #next(): Promise<void> {
    this.#queued = undefined;
    return this.#start();
  }

  #start(): Promise<void> {
    const sync = this.#sync();
    const running = sync.finally(() => {
      if (this.#running === running) this.#running = undefined;
    });
    this.#running = running;
    return running;
  }

  async #sync(): Promise<void> {
    // SQLite creates the log with the first write and keeps it (reused from its start after a checkpoint) for as
    // long as a connection is open, so one descriptor serves; the folder is synced once so that the new file's
    // entry is durable too.
    this.#file ??= open(this.#walPath, 'r').then(async (file) => {
      await syncFolder(dirname(this.#walPath));
      return file;
    });
    const file = this.#file;
    // A failed open is tried again by the next sync.
    file.catch(() => {
      if (this.#file === file) this.#file = undefined;
    });
    await (await file).datasync();
  }
}

async function syncFolder(path: string): Promise<void> {
  const folder = await open(path, 'r');
  try {
    await folder.sync();
  } finally {
    await folder.close();
  }
}
