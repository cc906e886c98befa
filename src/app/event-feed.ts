/**
 * The live event feed behind `GET /api/events`: while anyone listens, it reads new `workflow_events` rows by id cursor
 * (one query for every subscriber, the run's DAG id joined) and hands each subscriber the rows after its own cursor.
 * It reads when the store wakes it (this process's commits, PostgreSQL NOTIFY) and at least every `pollMs`, because
 * other processes only notify when work becomes ready. With no subscribers it neither polls nor listens.
 *
 * Late ids. An id cursor is only safe if ids become visible in id order. SQLite has one writer and commits in id
 * order (and a rollback frees its ids), but on PostgreSQL the identity sequence hands out ids at insert time: a
 * transaction holding id 10 may commit after another's id 11 was committed and read. So the feed remembers gaps: ids
 * missing below the highest id it has read, kept as ranges. Every read asks again for the ids of open gaps in the
 * same query as the new rows; a gap that fills is handed to each subscriber that had passed it, and a gap still open
 * after `gapTtlMs` counts as rolled back (or deleted) and is dropped. No event goes out twice: a subscriber gets an
 * id either because it is above its cursor, or because it was an open gap below its cursor, and a filled gap closes
 * in the same step. What the feed has checked is one span, (low, high]: only ids outside it can become new gaps, so a
 * rolled-back id is awaited once, not again each time a catching-up subscriber reads across it. The same code runs on
 * SQLite, where the only gaps are old ones (deleted rows) that a resume from far back reads across.
 *
 * Resuming. A client resumes from one number (`Last-Event-ID`: everything after it), and after a late delivery the
 * ids a client holds are no longer a prefix. So each handed event carries `resumeAfter`: the highest id such that
 * the subscriber has been handed every event up to it, or it is gone for good. While a gap below is open, that is
 * lower than the event's id, and a client that reconnects with it is sent again what it already has above it (to
 * drop by `data.id`) but misses nothing, as long as it reconnects while the gap is awaited: a gap that fills after
 * `gapTtlMs` reaches neither live subscribers nor a resume, which is the bound (as is `MAX_GAPS`: past that many open
 * ranges the lowest are given up). A stream without a resume point starts after the newest id at connect; an older id
 * that commits afterwards is not sent to it.
 *
 * Backpressure. A subscriber whose client does not keep up is paused: it is left out of the read cursor, keeps its
 * cursor, and is handed nothing new (only gaps it is owed that fill), so it costs no memory while paused; when it
 * resumes the feed reads on from its cursor. A subscriber that stays paused while the feed reads more than
 * `maxBehind` further ids is dropped, so that a client that has stopped reading holds nothing for long; one catching up
 * from far back pauses often but briefly, and is not dropped for how far back it started.
 */
import type { Store } from '../store/port.js';
import {
  latestEventId,
  listEventsAfter,
  type FeedEventRecord,
  type IdRange,
} from '../store/repositories/event-feed.js';
import { eventView, type EventView } from './views.js';

/** An event as the feed hands it out: the API's event view and the DAG of its run. */
/** How long a poke waits for more commits to join its read. */
const POKE_DELAY_MS = 10;

export interface FeedEvent extends EventView {
  /** Null when the run no longer exists. */
  readonly dagId: string | null;
  /**
   * Where a client that has this event and every one handed to it before may resume without missing one: the event's
   * id, or less while an earlier id may still commit. It never decreases along one subscription.
   */
  readonly resumeAfter: number;
  /**
   * The event as read, one object for every subscriber it goes to: what is derived from the event alone (its JSON
   * text, say) can be computed once and kept against it.
   */
  readonly shared: object;
}

export interface EventFeedOptions {
  /** The longest time between two reads while someone listens (default 250 ms). */
  readonly pollMs?: number;
  /** Rows per read (default 500); a full batch is followed by another read at once. */
  readonly batchSize?: number;
  /** How long a missing id below a read one is asked for again before it counts as rolled back (default 10 s). */
  readonly gapTtlMs?: number;
  /** The clock gaps age by (default `Date.now`). */
  readonly now?: () => number;
  /** Called with errors of a read; the feed keeps polling. */
  readonly onError?: (error: unknown) => void;
}

export interface FeedSubscription {
  /** Deliver events with a greater id only. */
  readonly afterId: number;
  /** Only this run's events. */
  readonly workflowId?: string;
  /** Called with each batch of events (never empty): new ones in id order, after any late ones it was owed. */
  readonly onEvents: (events: readonly FeedEvent[]) => void;
  /** How many ids the feed may read during one pause before it drops the subscriber (default: no limit). */
  readonly maxBehind?: number;
  /** Called once, after the feed dropped the subscriber for staying paused past `maxBehind` ids. */
  readonly onBehind?: () => void;
}

export interface FeedHandle {
  unsubscribe(): void;
  /** Hands nothing new until `resume()` (gaps it is owed that fill still come); the cursor stays. */
  pause(): void;
  /** Reads on from the cursor. */
  resume(): void;
  readonly paused: boolean;
  /** How many ids the feed has read past this subscriber's cursor. */
  readonly behind: number;
}

/** Ids `from`..`to` (both included) that were missing from a read that passed them. */
export interface FeedGap {
  readonly from: number;
  readonly to: number;
}

interface Subscriber {
  readonly start: number;
  cursor: number;
  paused: boolean;
  /** The highest id read when it paused. */
  pausedAt: number;
  readonly workflowId: string | undefined;
  readonly onEvents: (events: readonly FeedEvent[]) => void;
  readonly maxBehind: number;
  readonly onBehind: (() => void) | undefined;
}

interface Gap extends IdRange {
  /** When it counts as rolled back. */
  readonly until: number;
}

/** Past this many open gaps the lowest are given up, to bound each read's query. */
const MAX_GAPS = 500;

export class EventFeed {
  readonly #store: Pick<Store, 'read' | 'onWakeup'>;
  readonly #pollMs: number;
  readonly #batchSize: number;
  readonly #gapTtlMs: number;
  readonly #now: () => number;
  readonly #onError: (error: unknown) => void;
  readonly #subscribers = new Set<Subscriber>();
  #timer: NodeJS.Timeout | undefined;
  #timerAt = 0;
  #stopListening: (() => void) | undefined;
  #reading = false;
  #again = false;
  /** Bumped when the feed stops, so that a read begun before does not touch the state of the next start. */
  #epoch = 0;
  /** The span of ids the feed has checked, (low, high]; undefined until the first read. */
  #low: number | undefined;
  #high: number | undefined;
  /** Open gaps, ascending and disjoint, all inside (low, high]. */
  #gaps: Gap[] = [];

  constructor(store: Pick<Store, 'read' | 'onWakeup'>, options: EventFeedOptions = {}) {
    this.#store = store;
    this.#pollMs = options.pollMs ?? 250;
    this.#batchSize = options.batchSize ?? 500;
    this.#gapTtlMs = options.gapTtlMs ?? 10_000;
    this.#now = options.now ?? Date.now;
    this.#onError = options.onError ?? (() => undefined);
  }

  /** The newest event's id (0 when there is none): where a stream without a resume point starts. */
  latestId(): Promise<number> {
    return this.#store.read((db) => latestEventId(db));
  }

  /** How many subscribers listen now. */
  get size(): number {
    return this.#subscribers.size;
  }

  /** Whether the feed polls (it does exactly while it has subscribers). */
  get active(): boolean {
    return this.#stopListening !== undefined;
  }

  /** The ids the feed still waits for. */
  get gaps(): readonly FeedGap[] {
    return this.#gaps.map((gap) => ({ from: gap.lo, to: gap.hi }));
  }

  /** Starts delivering events after `afterId`. */
  subscribe(subscription: FeedSubscription): FeedHandle {
    const subscriber: Subscriber = {
      start: subscription.afterId,
      cursor: subscription.afterId,
      paused: false,
      pausedAt: subscription.afterId,
      workflowId: subscription.workflowId,
      onEvents: subscription.onEvents,
      maxBehind: subscription.maxBehind ?? Infinity,
      onBehind: subscription.onBehind,
    };
    this.#subscribers.add(subscriber);
    this.#stopListening ??= this.#store.onWakeup(() => this.#wake());
    this.#wake();
    const behind = () => Math.max(0, (this.#high ?? subscriber.cursor) - subscriber.cursor);
    return {
      unsubscribe: () => this.#unsubscribe(subscriber),
      pause: () => {
        if (subscriber.paused) return;
        subscriber.paused = true;
        subscriber.pausedAt = Math.max(this.#high ?? subscriber.cursor, subscriber.cursor);
      },
      resume: () => {
        if (!subscriber.paused) return;
        subscriber.paused = false;
        if (this.#subscribers.has(subscriber)) this.#wake();
      },
      get paused() {
        return subscriber.paused;
      },
      get behind() {
        return behind();
      },
    };
  }

  /** Drops every subscriber and stops polling. */
  close(): void {
    this.#subscribers.clear();
    this.#stop();
  }

  #unsubscribe(subscriber: Subscriber): void {
    this.#subscribers.delete(subscriber);
    if (this.#subscribers.size === 0) this.#stop();
  }

  #stop(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#stopListening?.();
    this.#stopListening = undefined;
    this.#again = false;
    // Nobody is owed anything now, and what was checked may change unseen until the next subscriber comes.
    this.#epoch++;
    this.#low = undefined;
    this.#high = undefined;
    this.#gaps = [];
  }

  /**
   * This process committed changes: read soon. SQLite wakes no one on a commit that readies no work (a step that
   * completes, say), so without this its events would wait for the next poll. Bursts of commits share one read.
   */
  poke(): void {
    if (this.#subscribers.size === 0) return;
    if (this.#reading) {
      this.#again = true;
      return;
    }
    // Never postpones a read already due sooner: a steady stream of commits must not starve the feed.
    if (this.#timer !== undefined && this.#timerAt <= Date.now() + POKE_DELAY_MS) return;
    this.#schedule(POKE_DELAY_MS);
  }

  #wake(): void {
    if (this.#reading) {
      this.#again = true;
      return;
    }
    this.#schedule(0);
  }

  #schedule(ms: number): void {
    clearTimeout(this.#timer);
    if (this.#subscribers.size === 0) {
      this.#timer = undefined;
      return;
    }
    this.#timerAt = Date.now() + ms;
    this.#timer = setTimeout(() => void this.#read(), ms);
    this.#timer.unref();
  }

  async #read(): Promise<void> {
    this.#timer = undefined;
    if (this.#reading) return;
    this.#reading = true;
    this.#again = false;
    const epoch = this.#epoch;
    try {
      for (;;) {
        if (this.#subscribers.size === 0) break;
        const from = this.#readFrom();
        const now = this.#now();
        this.#gaps = this.#gaps.filter((gap) => gap.until > now);
        const asked = this.#gaps;
        const rows = await this.#store.read((db) =>
          listEventsAfter(db, from, this.#batchSize, asked),
        );
        if (epoch !== this.#epoch) break;
        this.#take(from, asked, rows);
        if (rows.length < this.#batchSize) break;
      }
    } catch (error) {
      this.#onError(error);
    } finally {
      this.#reading = false;
      this.#schedule(this.#again ? 0 : this.#pollMs);
    }
  }

  /**
   * The lowest cursor of those who take new events, but never above what was checked: the checked span stays one
   * piece. With everyone paused, reading on from the top keeps `behind` and the gaps current.
   */
  #readFrom(): number {
    let from = this.#high;
    for (const subscriber of this.#subscribers) {
      if (!subscriber.paused) from = Math.min(from ?? Infinity, subscriber.cursor);
    }
    if (from !== undefined) return from;
    return Math.min(...[...this.#subscribers].map((s) => s.cursor));
  }

  /** Takes a read's rows: closes the gaps they fill, opens new ones, and hands each subscriber its share. */
  #take(from: number, asked: readonly Gap[], records: readonly FeedEventRecord[]): void {
    const ids = records.map((row) => row.id);
    // A full batch stopped at its last row; a short one saw every committed id above `from`.
    const top = Math.max(from, ids.at(-1) ?? from);
    const { open, filled } = closeFilled(asked, ids);
    const until = this.#now() + this.#gapTtlMs;
    const fresh: Gap[] = [];
    if (this.#low === undefined || this.#high === undefined) {
      fresh.push(...absent(from + 1, top, ids, until));
    } else {
      fresh.push(...absent(from + 1, Math.min(this.#low, top), ids, until));
      fresh.push(...absent(Math.max(this.#high, from) + 1, top, ids, until));
    }
    const gaps = [...open, ...fresh].sort((a, b) => a.lo - b.lo);
    // The lowest are the oldest and the likeliest rolled back.
    this.#gaps = gaps.length > MAX_GAPS ? gaps.slice(gaps.length - MAX_GAPS) : gaps;
    this.#low = Math.min(this.#low ?? from, from);
    const high = Math.max(this.#high ?? top, top);
    this.#high = high;

    const events = records.map((row) => ({ ...eventView(row), dagId: row.dagId }));
    for (const subscriber of [...this.#subscribers]) {
      // An unsubscribe from an earlier subscriber's callback removes this one from the set.
      if (!this.#subscribers.has(subscriber)) continue;
      this.#deliver(subscriber, from, top, events, filled);
    }
    for (const subscriber of [...this.#subscribers]) {
      if (!subscriber.paused || high - subscriber.pausedAt <= subscriber.maxBehind) continue;
      this.#unsubscribe(subscriber);
      try {
        subscriber.onBehind?.();
      } catch (error) {
        this.#onError(error);
      }
    }
  }

  #deliver(
    subscriber: Subscriber,
    from: number,
    top: number,
    events: readonly Omit<FeedEvent, 'resumeAfter' | 'shared'>[],
    filled: ReadonlySet<number>,
  ): void {
    const before = subscriber.cursor;
    // One that subscribed or resumed below `from` during the read is served by the next read, not skipped.
    const takesNew = !subscriber.paused && before >= from;
    const mine = events.filter(
      (event) =>
        (subscriber.workflowId === undefined || event.workflowId === subscriber.workflowId) &&
        ((takesNew && event.id > before) ||
          (filled.has(event.id) && event.id > subscriber.start && event.id <= before)),
    );
    if (takesNew) subscriber.cursor = Math.max(before, top);
    if (mine.length === 0) return;
    const owed = this.#firstGapAbove(subscriber.start);
    const handed = mine.map((event, i) => ({
      ...event,
      shared: event,
      resumeAfter: Math.min(
        Math.max(event.id, before),
        owed - 1,
        (mine[i + 1]?.id ?? Infinity) - 1,
      ),
    }));
    try {
      subscriber.onEvents(handed);
    } catch (error) {
      this.#onError(error);
    }
  }

  /** The lowest id above `id` that is still awaited (Infinity when none is). */
  #firstGapAbove(id: number): number {
    for (const gap of this.#gaps) if (gap.hi > id) return Math.max(gap.lo, id + 1);
    return Infinity;
  }
}

/** The gaps minus the ids a read returned, and which of those ids were gaps. */
function closeFilled(
  gaps: readonly Gap[],
  ids: readonly number[],
): { open: Gap[]; filled: Set<number> } {
  const open: Gap[] = [];
  const filled = new Set<number>();
  let i = 0;
  for (const gap of gaps) {
    while (i < ids.length && ids[i]! < gap.lo) i++;
    let next = gap.lo;
    for (; i < ids.length && ids[i]! <= gap.hi; i++) {
      const id = ids[i]!;
      filled.add(id);
      if (id > next) open.push({ lo: next, hi: id - 1, until: gap.until });
      next = id + 1;
    }
    if (next <= gap.hi) open.push({ lo: next, hi: gap.hi, until: gap.until });
  }
  return { open, filled };
}

/** The ranges of `lo`..`hi` holding none of `ids` (ascending). */
function absent(lo: number, hi: number, ids: readonly number[], until: number): Gap[] {
  const gaps: Gap[] = [];
  let next = lo;
  for (const id of ids) {
    if (id > hi) break;
    if (id < next) continue;
    if (id > next) gaps.push({ lo: next, hi: id - 1, until });
    next = id + 1;
  }
  if (next <= hi) gaps.push({ lo: next, hi, until });
  return gaps;
}
