/**
 * The event feed on a real store, both dialects: an id that commits after a later one was read is still delivered,
 * exactly once, and no resume point passes it while it is awaited; ids that never come are given up after the gap
 * time; a paused subscriber is handed nothing new and is dropped once too far behind. Every wait is bounded.
 */
import { randomUUID } from 'node:crypto';

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { EventFeed, type FeedEvent, type FeedHandle } from '../../src/app/event-feed.js';
import { openStore } from '../../src/store/open-store.js';
import { latestEventId } from '../../src/store/repositories/event-feed.js';
import type { Store } from '../../src/store/port.js';
import { insertEvents, listEvents, type NewEvent } from '../../src/store/repositories/events.js';
import { createTestDatabase, DIALECTS, type TestDatabase } from '../helpers/dialects.js';

const WAIT_MS = 10_000;
const GAP_TTL_MS = 60_000;

const event = (workflowId: string): NewEvent => ({
  workflowId,
  type: 'test_event',
  data: JSON.stringify({ workflowId }),
  createdAt: new Date().toISOString(),
});

/** Waits (bounded) until the condition holds. */
async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

/** A transaction that inserts one event and stays open until released; `id` is the event's id, seen inside it. */
function heldInsert(store: Store, workflowId: string, outcome: 'commit' | 'rollback') {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let inserted!: (id: number) => void;
  const id = new Promise<number>((resolve) => (inserted = resolve));
  const done = store
    .transaction(async (tx) => {
      await insertEvents(tx, [event(workflowId)]);
      inserted((await listEvents(tx, workflowId))[0]!.id);
      await released;
      if (outcome === 'rollback') throw new Error('rolled back on purpose');
    })
    .catch((error: unknown) => {
      if (outcome === 'commit') throw error;
    });
  return { id, release, done };
}

for (const dialect of DIALECTS) {
  describe(`${dialect}: event feed`, () => {
    // PostgreSQL runs write transactions side by side; SQLite has one writer, so the second waits for the first.
    const concurrentWriters = dialect === 'postgres';
    let db: TestDatabase;
    let store: Store;
    let clock = Date.now();
    const feeds: EventFeed[] = [];
    const errors: unknown[] = [];

    const newFeed = () => {
      const feed = new EventFeed(store, {
        pollMs: 20,
        gapTtlMs: GAP_TTL_MS,
        now: () => clock,
        onError: (error) => errors.push(error),
      });
      feeds.push(feed);
      return feed;
    };

    /** Subscribes and keeps what the subscriber was handed, in order. */
    const collect = (
      feed: EventFeed,
      afterId: number,
      options: { maxBehind?: number; onBehind?: () => void } = {},
    ) => {
      const got: FeedEvent[] = [];
      const handle = feed.subscribe({
        afterId,
        onEvents: (events) => got.push(...events),
        ...options,
      });
      return {
        got,
        handle,
        of: (workflowId: string) => got.filter((e) => e.workflowId === workflowId),
      };
    };

    const latest = () => store.read((q) => latestEventId(q));

    beforeAll(async () => {
      db = await createTestDatabase(dialect);
      store = await openStore(db.url);
      await store.migrateToLatest();
    });
    afterEach(() => {
      for (const feed of feeds.splice(0)) feed.close();
      clock = Date.now();
      expect(errors.splice(0)).toEqual([]);
    });
    afterAll(async () => {
      await store?.close();
      await db?.drop();
    });

    it('reads at once when poked (a commit of this process), not at the next poll', async () => {
      const feed = new EventFeed(store, {
        pollMs: 3_600_000,
        onError: (error) => errors.push(error),
      });
      feeds.push(feed);
      const tag = randomUUID();
      const live = collect(feed, await latest());
      for (const name of ['first', 'second']) {
        await store.transaction((tx) => insertEvents(tx, [event(`${tag}-${name}`)]));
        feed.poke();
        await until(() => live.of(`${tag}-${name}`).length === 1, `the ${name} event`);
      }
      expect(live.got.map((e) => e.workflowId)).toEqual([`${tag}-first`, `${tag}-second`]);
    });

    it('delivers an id that commits after a later one was read, exactly once, and resumes never pass it', async () => {
      clock = Date.now();
      const tag = randomUUID();
      const [a, b, c] = ['a', 'b', 'c'].map((name) => `${tag}-${name}`) as [string, string, string];
      const feed = newFeed();
      const live = collect(feed, await latest());

      const first = heldInsert(store, a, 'commit');
      try {
        const aId = await first.id;
        let resumed: ReturnType<typeof collect> | undefined;
        if (concurrentWriters) {
          // B takes a later id and commits while A's transaction is still open.
          await store.transaction((tx) => insertEvents(tx, [event(b)]));
          await until(() => live.of(b).length === 1, 'the later event');
          const later = live.of(b)[0]!;
          expect(later.id).toBeGreaterThan(aId);
          expect(live.of(a)).toEqual([]);
          expect(feed.gaps).toEqual([{ from: aId, to: aId }]);
          // The resume point handed with B stays below A, so a client reconnecting with it misses nothing.
          expect(later.resumeAfter).toBe(aId - 1);
          resumed = collect(feed, later.resumeAfter);
          await until(() => resumed!.of(b).length === 1, 'the resumed subscriber');
          first.release();
          await first.done;
        } else {
          const second = store.transaction((tx) => insertEvents(tx, [event(b)]));
          first.release();
          await Promise.all([first.done, second]);
        }
        await until(() => live.of(a).length === 1, 'the late event');

        // A sentinel read after both: had anything been handed twice, it would be there by then.
        await store.transaction((tx) => insertEvents(tx, [event(c)]));
        await until(() => live.of(c).length === 1, 'the sentinel');
        const bId = live.of(b)[0]!.id;
        const cId = live.of(c)[0]!.id;
        const handed = live.got.map((e) => e.id);
        expect(handed).toEqual(concurrentWriters ? [bId, aId, cId] : [aId, bId, cId]);
        expect(live.got.map((e) => e.resumeAfter)).toEqual(
          concurrentWriters ? [aId - 1, bId, cId] : [aId, bId, cId],
        );
        expect(feed.gaps).toEqual([]);
        if (resumed) {
          await until(() => resumed.of(c).length === 1, 'the sentinel, resumed');
          expect(resumed.got.map((e) => e.id)).toEqual([bId, aId, cId]);
        }
      } finally {
        first.release();
        await first.done.catch(() => undefined);
      }
    });

    it('gives an id that never commits up after the gap time, and resume points then move past it', async () => {
      clock = Date.now();
      const tag = randomUUID();
      const [a, b, c] = ['a', 'b', 'c'].map((name) => `${tag}-${name}`) as [string, string, string];
      const feed = newFeed();
      const live = collect(feed, await latest());

      const first = heldInsert(store, a, 'rollback');
      try {
        const aId = await first.id;
        if (concurrentWriters) {
          await store.transaction((tx) => insertEvents(tx, [event(b)]));
          await until(() => live.of(b).length === 1, 'the later event');
          first.release();
          await first.done;
          expect(live.of(b)[0]!.resumeAfter).toBe(aId - 1);
          expect(feed.gaps).toEqual([{ from: aId, to: aId }]);
          clock += GAP_TTL_MS + 1;
        } else {
          // A rollback frees SQLite's ids: the next insert takes the same one, and nothing is missing.
          const second = store.transaction((tx) => insertEvents(tx, [event(b)]));
          first.release();
          await Promise.all([first.done, second]);
          await until(() => live.of(b).length === 1, 'the later event');
          expect(live.of(b)[0]!.id).toBe(aId);
        }
        await store.transaction((tx) => insertEvents(tx, [event(c)]));
        await until(() => live.of(c).length === 1, 'the sentinel');
        const sentinel = live.of(c)[0]!;
        expect(sentinel.resumeAfter).toBe(sentinel.id);
        expect(feed.gaps).toEqual([]);
        expect(live.of(a)).toEqual([]);
      } finally {
        first.release();
        await first.done.catch(() => undefined);
      }
    });

    it('reads across deleted ids when resuming from far back, and awaits them only for the gap time', async () => {
      clock = Date.now();
      const workflowId = `deleted-${randomUUID()}`;
      const before = await latest();
      await store.transaction((tx) =>
        insertEvents(
          tx,
          Array.from({ length: 10 }, () => event(workflowId)),
        ),
      );
      const ids = (await store.read((q) => listEvents(q, workflowId))).map((e) => e.id);
      const deleted = ids.slice(3, 7);
      await store.transaction((tx) =>
        tx.deleteFrom('workflow_events').where('id', 'in', deleted).execute(),
      );

      const feed = newFeed();
      const resumed = collect(feed, before);
      await until(() => resumed.got.length === 6, 'the remaining events');
      expect(resumed.got.map((e) => e.id)).toEqual(ids.filter((id) => !deleted.includes(id)));
      expect(feed.gaps).toEqual([{ from: deleted[0]!, to: deleted.at(-1)! }]);
      // Below the gap the resume point follows the ids; above it, it waits for the gap.
      expect(resumed.got.map((e) => e.resumeAfter)).toEqual([
        ...ids.slice(0, 3),
        ...ids.slice(7).map(() => deleted[0]! - 1),
      ]);

      clock += GAP_TTL_MS + 1;
      await store.transaction((tx) => insertEvents(tx, [event(workflowId)]));
      await until(() => resumed.got.length === 7, 'the next event');
      expect(feed.gaps).toEqual([]);
      expect(resumed.got.at(-1)!.resumeAfter).toBe(resumed.got.at(-1)!.id);
    });

    it('hands a paused subscriber nothing new, goes on from its cursor on resume, and drops it past maxBehind', async () => {
      clock = Date.now();
      const workflowId = `paused-${randomUUID()}`;
      const feed = newFeed();
      const start = await latest();
      const fast = collect(feed, start);
      let dropped = 0;
      const slow = collect(feed, start, { maxBehind: 15, onBehind: () => dropped++ });
      const insert = (n: number) =>
        store.transaction((tx) =>
          insertEvents(
            tx,
            Array.from({ length: n }, () => event(workflowId)),
          ),
        );

      slow.handle.pause();
      await insert(10);
      await until(() => fast.got.length === 10, 'the fast subscriber');
      expect(slow.got).toEqual([]);
      expect(slow.handle.paused).toBe(true);
      expect(slow.handle.behind).toBe(10);

      slow.handle.resume();
      await until(() => slow.got.length === 10, 'the resumed subscriber');
      expect(slow.got.map((e) => e.id)).toEqual(fast.got.map((e) => e.id));
      expect(slow.handle.behind).toBe(0);

      slow.handle.pause();
      await insert(10);
      await until(() => fast.got.length === 20, 'the fast subscriber');
      expect(dropped).toBe(0);
      expect(feed.size).toBe(2);
      await insert(10);
      await until(() => fast.got.length === 30, 'the fast subscriber');
      expect(dropped).toBe(1);
      expect(feed.size).toBe(1);
      expect(slow.got).toHaveLength(10);
      expect(fast.got.map((e) => e.id)).toEqual(
        [...fast.got.map((e) => e.id)].sort((x, y) => x - y),
      );
    });

    it('stops reading when its last subscriber leaves', () => {
      const feed = newFeed();
      const handle: FeedHandle = feed.subscribe({ afterId: 0, onEvents: () => undefined });
      expect(feed.active).toBe(true);
      handle.unsubscribe();
      expect(feed.active).toBe(false);
      expect(feed.gaps).toEqual([]);
    });
  });
}
