/**
 * The live event feed behind `GET /api/events`: while anyone listens, it reads new `workflow_events` rows by id cursor
 * (one query for every subscriber, the run's DAG id joined) and hands each subscriber the rows after its own cursor.
 * It reads when the store wakes it (this process's commits, PostgreSQL NOTIFY) and at least every `pollMs`, because
 * other processes only notify when work becomes ready. With no subscribers it neither polls nor listens.
 */
import type { Store } from '../store/port.js';
import { latestEventId, listEventsAfter } from '../store/repositories/event-feed.js';
import { eventView, type EventView } from './views.js';

/** An event as the feed hands it out: the API's event view and the DAG of its run. */
export interface FeedEvent extends EventView {
  /** Null when the run no longer exists. */
  readonly dagId: string | null;
}

export interface EventFeedOptions {
  /** The longest time between two reads while someone listens (default 250 ms). */
  readonly pollMs?: number;
  /** Rows per read (default 500); a full batch is followed by another read at once. */
  readonly batchSize?: number;
  /** Called with errors of a read; the feed keeps polling. */
  readonly onError?: (error: unknown) => void;
}

export interface FeedSubscription {
  /** Deliver events with a greater id only. */
  readonly afterId: number;
  /** Only this run's events. */
  readonly workflowId?: string;
  /** Called in id order with each batch of new events (never empty). */
  readonly onEvents: (events: readonly FeedEvent[]) => void;
}

interface Subscriber {
  cursor: number;
  readonly workflowId: string | undefined;
  readonly onEvents: (events: readonly FeedEvent[]) => void;
}

export class EventFeed {
  readonly #store: Pick<Store, 'read' | 'onWakeup'>;
  readonly #pollMs: number;
  readonly #batchSize: number;
  readonly #onError: (error: unknown) => void;
  readonly #subscribers = new Set<Subscriber>();
  #timer: NodeJS.Timeout | undefined;
  #stopListening: (() => void) | undefined;
  #reading = false;
  #again = false;

  constructor(store: Pick<Store, 'read' | 'onWakeup'>, options: EventFeedOptions = {}) {
    this.#store = store;
    this.#pollMs = options.pollMs ?? 250;
    this.#batchSize = options.batchSize ?? 500;
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

  /** Starts delivering events after `afterId`; returns the unsubscribe function. */
  subscribe(subscription: FeedSubscription): () => void {
    const subscriber: Subscriber = {
      cursor: subscription.afterId,
      workflowId: subscription.workflowId,
      onEvents: subscription.onEvents,
    };
    this.#subscribers.add(subscriber);
    this.#stopListening ??= this.#store.onWakeup(() => this.#wake());
    this.#wake();
    return () => this.#unsubscribe(subscriber);
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
    this.#timer = setTimeout(() => void this.#read(), ms);
    this.#timer.unref();
  }

  async #read(): Promise<void> {
    this.#timer = undefined;
    if (this.#reading) return;
    this.#reading = true;
    this.#again = false;
    try {
      for (;;) {
        if (this.#subscribers.size === 0) break;
        const cursor = Math.min(...[...this.#subscribers].map((s) => s.cursor));
        const rows = await this.#store.read((db) => listEventsAfter(db, cursor, this.#batchSize));
        if (rows.length > 0) {
          this.#deliver(rows.map((row) => ({ ...eventView(row), dagId: row.dagId })));
        }
        if (rows.length < this.#batchSize) break;
      }
    } catch (error) {
      this.#onError(error);
    } finally {
      this.#reading = false;
      this.#schedule(this.#again ? 0 : this.#pollMs);
    }
  }

  #deliver(events: readonly FeedEvent[]): void {
    const lastId = events[events.length - 1]!.id;
    for (const subscriber of [...this.#subscribers]) {
      // An unsubscribe from an earlier subscriber's callback removes this one from the set.
      if (!this.#subscribers.has(subscriber)) continue;
      const mine = events.filter(
        (event) =>
          event.id > subscriber.cursor &&
          (subscriber.workflowId === undefined || event.workflowId === subscriber.workflowId),
      );
      subscriber.cursor = Math.max(subscriber.cursor, lastId);
      if (mine.length === 0) continue;
      try {
        subscriber.onEvents(mine);
      } catch (error) {
        this.#onError(error);
      }
    }
  }
}
