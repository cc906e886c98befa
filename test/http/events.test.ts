/**
 * The live event stream (`GET /api/events`, server-sent events) on a real listening server: delivery in id order,
 * resuming, visibility, events committed by another Flowgate on the same database, authentication, and closing.
 * Both dialects; every wait is bounded.
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { EventFeed, type EventFeedOptions } from '../../src/app/event-feed.js';
import { createFlowgate } from '../../src/app/flowgate.js';
import { AuthService } from '../../src/auth/auth-service.js';
import { buildServer, type FlowgateServer } from '../../src/http/build-server.js';
import type { EventStreamStats } from '../../src/http/routes/events.js';
import { systemClock } from '../../src/shared/clock.js';
import type { Store } from '../../src/store/port.js';
import { insertEvents, listEvents, type NewEvent } from '../../src/store/repositories/events.js';
import { DIALECTS } from '../helpers/dialects.js';
import { plan, startTestFlowgate, type TestFlowgate } from '../helpers/flowgate.js';

const SECRET = 'a-test-secret-of-at-least-32-characters!';
const ADMIN_PASSWORD = 'admin-password-long-enough';
const PASSWORD = 'p4ssword-long-enough';
const USERS = ['alice', 'appr', 'olly'] as const;
const WAIT_MS = 10_000;

/** A private DAG (alice owns it, appr may see and approve): prepare → approval → pay. */
const privateDag = (dagId: string) =>
  plan(
    dagId,
    [
      { id: 'prepare', agent: 'echo_agent', config: { input: { amount: 120 } } },
      {
        id: 'approval',
        type: 'human_in_loop',
        deps: ['prepare'],
        config: { approvers: [{ user: 'appr' }] },
      },
      { id: 'pay', deps: ['approval'], config: { input: '{{ nodes.approval.output }}' } },
    ],
    { permissions: { owners: ['alice'], editors: [], viewers: ['appr'], isPublic: false } },
  );

/** A public DAG of one step. */
const publicDag = (dagId: string) =>
  plan(dagId, [{ id: 'only', agent: 'echo_agent', config: { input: { ok: true } } }]);

interface Message {
  /** The event's id (`data.id`). */
  readonly id: number;
  /** The `id:` field: where a reconnect would resume. */
  readonly resumeAfter: number;
  readonly event: string;
  readonly data: { id: number; workflowId: string; type: string; data: unknown; createdAt: string };
}

/** A server-sent events client on fetch: parses messages as they arrive. */
class SseClient {
  readonly messages: Message[] = [];
  text = '';
  ended = false;
  readonly #abort: AbortController;
  readonly #reading: Promise<void>;
  #changed: () => void = () => undefined;

  private constructor(response: Response, abort: AbortController) {
    this.#abort = abort;
    this.#reading = this.#read(response.body!.getReader());
  }

  static async open(
    url: string,
    headers: Record<string, string> = {},
  ): Promise<SseClient | Response> {
    const abort = new AbortController();
    const timer = setTimeout(() => abort.abort(), WAIT_MS);
    try {
      const response = await fetch(url, { headers, signal: abort.signal });
      if (response.status !== 200) {
        await response.text();
        return response;
      }
      return new SseClient(response, abort);
    } finally {
      clearTimeout(timer);
    }
  }

  async #read(reader: ReadableStreamDefaultReader<Uint8Array>): Promise<void> {
    const decoder = new TextDecoder();
    let buffer = '';
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        const chunk = decoder.decode(value, { stream: true });
        this.text += chunk;
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const fields = new Map<string, string>();
          for (const line of block.split('\n')) {
            if (line.startsWith(':')) continue;
            const colon = line.indexOf(':');
            if (colon > 0) fields.set(line.slice(0, colon), line.slice(colon + 1).trimStart());
          }
          if (fields.has('data')) {
            const data = JSON.parse(fields.get('data')!) as Message['data'];
            this.messages.push({
              id: data.id,
              resumeAfter: Number(fields.get('id')),
              event: fields.get('event')!,
              data,
            });
          }
        }
        this.#changed();
      }
    } catch {
      // Aborted by close().
    } finally {
      this.ended = true;
      this.#changed();
    }
  }

  /** Waits (bounded) until the condition holds of what arrived. */
  async until(condition: (client: SseClient) => boolean, timeoutMs = WAIT_MS): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!condition(this)) {
      const left = deadline - Date.now();
      if (left <= 0 || this.ended) {
        throw new Error(
          `SSE condition not met (ended: ${this.ended}); got ${this.messages.map((m) => m.event).join(', ')}`,
        );
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(left, 100));
        this.#changed = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }

  of(workflowId: string): Message[] {
    return this.messages.filter((m) => m.data.workflowId === workflowId);
  }

  async close(): Promise<void> {
    this.#abort.abort();
    await this.#reading;
  }
}

function isClient(value: SseClient | Response): value is SseClient {
  return value instanceof SseClient;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The promise, or an error once `ms` have passed. */
async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

const testEvent = (workflowId: string, data: unknown = null): NewEvent => ({
  workflowId,
  type: 'test_event',
  data: JSON.stringify(data),
  createdAt: new Date().toISOString(),
});

/** A transaction that inserts one event and stays open until released; `id` is the event's id, seen inside it. */
function heldInsert(store: Store, workflowId: string) {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  let inserted!: (id: number) => void;
  const id = new Promise<number>((resolve) => (inserted = resolve));
  const done = store.transaction(async (tx) => {
    await insertEvents(tx, [testEvent(workflowId)]);
    inserted((await listEvents(tx, workflowId))[0]!.id);
    await released;
  });
  return { id, release, done };
}

/** The messages of a raw event-stream text. */
function parseStream(text: string): { id: number; event: string; data: Record<string, unknown> }[] {
  return text
    .split('\n\n')
    .map((block) => {
      const fields = new Map<string, string>();
      for (const line of block.split('\n')) {
        const colon = line.indexOf(':');
        if (colon > 0) fields.set(line.slice(0, colon), line.slice(colon + 1).trimStart());
      }
      return fields;
    })
    .filter((fields) => fields.has('data'))
    .map((fields) => ({
      id: Number(fields.get('id')),
      event: fields.get('event')!,
      data: JSON.parse(fields.get('data')!) as Record<string, unknown>,
    }));
}

for (const dialect of DIALECTS) {
  describe(`${dialect}: live event stream`, () => {
    let t: TestFlowgate;
    let auth: AuthService;
    let app: FlowgateServer;
    let feed: EventFeed;
    let base: string;
    const tokens = new Map<string, string>();
    const clients = new Set<SseClient>();

    const bearer = (who: string) => ({ authorization: `Bearer ${tokens.get(who)!}` });
    const connect = async (who: string, query = '', headers: Record<string, string> = {}) => {
      const opened = await SseClient.open(`${base}/api/events${query}`, {
        ...bearer(who),
        ...headers,
      });
      if (!isClient(opened)) throw new Error(`stream refused: ${opened.status}`);
      clients.add(opened);
      return opened;
    };
    const close = async (client: SseClient) => {
      clients.delete(client);
      await client.close();
    };
    const completed = (workflowId: string) => (c: SseClient) =>
      c.of(workflowId).some((m) => m.event === 'workflow_completed');

    /** A run of the private DAG started by alice, waiting on its gate, and its request. */
    const gatedRun = async () => {
      const { workflowId } = await t.flowgate.start('secret', { startedBy: 'alice' });
      await t.flowgate.waitFor(workflowId, { until: ['paused'], timeoutMs: WAIT_MS });
      const { items } = await t.flowgate.listHitl({ workflowId });
      return { workflowId, requestId: items[0]!.requestId };
    };

    const startServer = async (
      options: {
        heartbeatMs?: number;
        maxBehind?: number;
        onStream?: (stats: EventStreamStats) => void;
        feed?: EventFeedOptions;
      } = {},
    ) => {
      const { feed: feedOptions, ...routeOptions } = options;
      const serverFeed = new EventFeed(t.flowgate.store, feedOptions);
      const server = buildServer({
        flowgate: t.flowgate,
        auth,
        loginRateLimit: { max: 1000, timeWindowMs: 60_000 },
        eventStream: { ...routeOptions, feed: serverFeed },
      });
      await server.listen({ host: '127.0.0.1', port: 0 });
      const address = server.server.address();
      if (address === null || typeof address === 'string') throw new Error('no address');
      return { server, feed: serverFeed, url: `http://127.0.0.1:${address.port}` };
    };

    beforeAll(async () => {
      t = await startTestFlowgate(dialect);
      auth = new AuthService({ store: t.flowgate.store, clock: systemClock, jwtSecret: SECRET });
      await auth.ensureAdmin({ password: ADMIN_PASSWORD });
      for (const username of USERS)
        await auth.createUser({ username, password: PASSWORD, role: 'user' });
      const started = await startServer();
      app = started.server;
      feed = started.feed;
      base = started.url;
      for (const [username, password] of [
        ['admin', ADMIN_PASSWORD],
        ...USERS.map((u) => [u, PASSWORD]),
      ] as const) {
        const response = await app.inject({
          method: 'POST',
          url: '/api/auth/login',
          payload: { username, password },
        });
        expect(response.statusCode, response.body).toBe(200);
        tokens.set(username, response.json<{ accessToken: string }>().accessToken);
      }
      await t.flowgate.putDag(privateDag('secret'), { createdBy: 'alice' });
      await t.flowgate.putDag(publicDag('open'), { createdBy: 'alice' });
    });
    afterAll(async () => {
      for (const client of clients) await client.close();
      await app?.close();
      expect(feed?.active ?? false).toBe(false);
      await t?.close();
    });

    it("delivers a run's node, HITL and workflow events in id order, ending with workflow_completed", async () => {
      const stream = await connect('alice');
      const { workflowId, requestId } = await gatedRun();
      await t.flowgate.approve(requestId, 'appr');
      await stream.until(completed(workflowId));

      const got = stream.of(workflowId);
      const stored = await t.flowgate.listEvents(workflowId);
      expect(got.map((m) => m.id)).toEqual(stored.map((e) => e.id));
      expect(got.map((m) => m.data)).toEqual(stored);
      expect(got.map((m) => m.event)).toEqual(stored.map((e) => e.type));
      const ids = stream.messages.map((m) => m.id);
      expect(ids).toEqual([...ids].sort((a, b) => a - b));
      expect(new Set(ids).size).toBe(ids.length);
      // `id:` is where a reconnect resumes: never past the event, never backwards.
      const resumes = stream.messages.map((m) => m.resumeAfter);
      expect(resumes).toEqual([...resumes].sort((a, b) => a - b));
      for (const m of stream.messages) expect(m.resumeAfter).toBeLessThanOrEqual(m.id);
      const types = got.map((m) => m.event);
      expect(types).toEqual(
        expect.arrayContaining(['node_started', 'node_completed', 'hitl_requested']),
      );
      expect(types.some((type) => type.startsWith('hitl_') && type !== 'hitl_requested')).toBe(
        true,
      );
      expect(types.at(-1)).toBe('workflow_completed');
      await close(stream);
    });

    it('starts at the newest event without a resume point, and resumes after Last-Event-ID or ?after=', async () => {
      const { workflowId, requestId } = await gatedRun();
      await t.flowgate.approve(requestId, 'appr');
      await t.flowgate.waitFor(workflowId, { timeoutMs: WAIT_MS });
      const stored = await t.flowgate.listEvents(workflowId);
      expect(stored.length).toBeGreaterThan(4);
      const from = stored[2]!.id;
      const expected = stored.filter((e) => e.id > from).map((e) => e.id);

      const fresh = await connect('alice', `?workflowId=${workflowId}`);
      const byHeader = await connect('alice', `?workflowId=${workflowId}`, {
        'last-event-id': String(from),
      });
      const byQuery = await connect('alice', `?workflowId=${workflowId}&after=${from}`);
      for (const stream of [byHeader, byQuery]) {
        await stream.until((c) => c.messages.length >= expected.length);
      }
      await sleep(600); // a few polls: nothing more may come
      expect(byHeader.messages.map((m) => m.id)).toEqual(expected);
      expect(byQuery.messages.map((m) => m.id)).toEqual(expected);
      expect(fresh.messages).toEqual([]);
      await Promise.all([close(fresh), close(byHeader), close(byQuery)]);
    });

    it("sends none of a private DAG's events to a user who may not see it, and 404 for its run", async () => {
      const outsider = await connect('olly');
      const admin = await connect('admin');
      const hidden = await gatedRun();
      await t.flowgate.cancel(hidden.workflowId, 'alice');
      const open = await t.flowgate.start('open', { startedBy: 'olly' });
      await outsider.until(completed(open.workflowId));
      await admin.until(completed(open.workflowId));

      expect(outsider.of(hidden.workflowId)).toEqual([]);
      expect(admin.of(hidden.workflowId).length).toBeGreaterThan(0);
      expect(admin.of(hidden.workflowId).map((m) => m.event)).toContain('workflow_cancelled');

      const refused = await SseClient.open(
        `${base}/api/events?workflowId=${hidden.workflowId}`,
        bearer('olly'),
      );
      expect(isClient(refused)).toBe(false);
      expect((refused as Response).status).toBe(404);
      const missing = await SseClient.open(`${base}/api/events?workflowId=nope`, bearer('alice'));
      expect((missing as Response).status).toBe(404);
      await Promise.all([close(outsider), close(admin)]);
    });

    it('delivers events committed by another Flowgate on the same database', async () => {
      const other = await createFlowgate({ db: t.db.url, workers: false });
      try {
        const { workflowId, requestId } = await gatedRun();
        const before = (await t.flowgate.listEvents(workflowId)).at(-1)!.id;
        const stream = await connect('alice', `?workflowId=${workflowId}`);
        await other.approve(requestId, 'appr');
        await stream.until(completed(workflowId));
        const types = stream.messages.map((m) => m.event);
        expect(types[0]).toMatch(/^hitl_/);
        expect(types.at(-1)).toBe('workflow_completed');
        const stored = await t.flowgate.listEvents(workflowId, { afterId: before });
        expect(stream.messages.map((m) => m.id)).toEqual(stored.map((e) => e.id));
        await close(stream);

        // Only the other instance writes here: a cancel wakes no worker, so the feed's polling delivers it.
        const gated = await gatedRun();
        const watcher = await connect('alice', `?workflowId=${gated.workflowId}`);
        await other.cancel(gated.workflowId, 'alice');
        await watcher.until((c) => c.messages.some((m) => m.event === 'workflow_cancelled'));
        await close(watcher);
      } finally {
        await other.close();
      }
    });

    it('delivers an event that commits after a later one was sent, once, and its `id:` never lets a reconnect skip it', async () => {
      // PostgreSQL runs write transactions side by side; SQLite has one writer, so the second waits for the first.
      const concurrentWriters = dialect === 'postgres';
      const tag = randomUUID();
      const [a, b, c] = ['a', 'b', 'c'].map((name) => `late-${tag}-${name}`) as [
        string,
        string,
        string,
      ];
      const stream = await connect('admin');
      let resumed: SseClient | undefined;
      const first = heldInsert(t.flowgate.store, a);
      try {
        const aId = await first.id;
        if (concurrentWriters) {
          await t.flowgate.store.transaction((tx) => insertEvents(tx, [testEvent(b)]));
          await stream.until((s) => s.of(b).length === 1);
          const later = stream.of(b)[0]!;
          expect(later.id).toBeGreaterThan(aId);
          expect(later.resumeAfter).toBe(aId - 1);
          // A client that lost its connection here resumes from what it was given, and still gets A.
          resumed = await connect('admin', '', { 'last-event-id': String(later.resumeAfter) });
          await resumed.until((s) => s.of(b).length === 1);
          first.release();
          await first.done;
        } else {
          const second = t.flowgate.store.transaction((tx) => insertEvents(tx, [testEvent(b)]));
          first.release();
          await Promise.all([first.done, second]);
        }
        await stream.until((s) => s.of(a).length === 1 && s.of(b).length === 1);
        await t.flowgate.store.transaction((tx) => insertEvents(tx, [testEvent(c)]));
        await stream.until((s) => s.of(c).length === 1);

        const mine = stream.messages.filter((m) => m.data.workflowId.startsWith(`late-${tag}`));
        const [bId, cId] = [stream.of(b)[0]!.id, stream.of(c)[0]!.id];
        expect(mine.map((m) => m.id)).toEqual(
          concurrentWriters ? [bId, aId, cId] : [aId, bId, cId],
        );
        expect(mine.map((m) => m.resumeAfter)).toEqual(
          concurrentWriters ? [aId - 1, bId, cId] : [aId, bId, cId],
        );
        if (resumed) {
          await resumed.until((s) => s.of(c).length === 1);
          expect(resumed.of(a)).toHaveLength(1);
          expect(resumed.of(b)).toHaveLength(1);
        }
      } finally {
        first.release();
        await first.done.catch(() => undefined);
        await close(stream);
        if (resumed) await close(resumed);
      }
    });

    it('holds back a client that does not read (its memory bounded), goes on once it reads, and ends it when too far behind', async () => {
      const streams: EventStreamStats[] = [];
      const maxBehind = 3_000;
      const own = await startServer({
        maxBehind,
        onStream: (stats) => streams.push(stats),
        feed: { pollMs: 50 },
      });
      /** A client that reads nothing until told: once the socket buffers fill, the server's writes stop draining. */
      const openUnread = () =>
        within(
          new Promise<http.IncomingMessage>((resolve, reject) => {
            const request = http.get(
              `${own.url}/api/events`,
              { headers: bearer('admin') },
              resolve,
            );
            request.once('error', reject);
          }),
          WAIT_MS,
          'a stream',
        );
      const readAll = (response: http.IncomingMessage) => {
        const got = { text: '', ended: false };
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (got.text += chunk));
        response.once('end', () => (got.ended = true));
        response.once('close', () => (got.ended = true));
        return got;
      };
      const responses: http.IncomingMessage[] = [];
      const sse: SseClient[] = [];
      try {
        const never = await openUnread();
        const later = await openUnread();
        responses.push(never, later);
        const opened = await SseClient.open(`${own.url}/api/events`, bearer('admin'));
        if (!isClient(opened)) throw new Error(`stream refused: ${opened.status}`);
        const fast = opened;
        sse.push(fast);
        expect(streams).toHaveLength(3);
        const [slow, sluggish, quick] = streams as [
          EventStreamStats,
          EventStreamStats,
          EventStreamStats,
        ];

        const workflowId = `bulk-${randomUUID()}`;
        const payload = 'x'.repeat(2_000);
        const batch = 500;
        let produced = 0;
        let lateReader: { text: string; ended: boolean } | undefined;
        // Batch after batch, each waited for by the fast client, until the slow one is cut off (bounded). The
        // sluggish one starts reading as soon as its socket has filled once.
        for (let round = 0; round < 80 && slow.ended === undefined; round++) {
          await t.flowgate.store.transaction((tx) =>
            insertEvents(
              tx,
              Array.from({ length: batch }, (_, i) => testEvent(workflowId, { i, payload })),
            ),
          );
          produced += batch;
          await fast.until((s) => s.of(workflowId).length === produced);
          if (lateReader === undefined && sluggish.stalls > 0) lateReader = readAll(later);
        }
        expect(slow.ended).toBe('behind');
        expect(slow.stalls).toBeGreaterThan(0);
        expect(slow.pauses).toBeGreaterThan(0);
        // Held in this process at any time: a queue of at most its pause point and one feed batch, and one write chunk
        // above the socket's high-water mark; far less than what was produced while the client did not read.
        expect(slow.peakQueued).toBeLessThanOrEqual(1_000 + batch);
        expect(slow.peakBuffered).toBeLessThanOrEqual(16 * 1024 + 64 * 1024 + 4 * 1024);
        expect(produced * payload.length).toBeGreaterThan(50 * slow.peakBuffered);
        expect(own.feed.size).toBe(2);

        // The fast client got everything, in order, once.
        const fastIds = fast.of(workflowId).map((m) => m.id);
        expect(fastIds).toHaveLength(produced);
        expect(fastIds).toEqual([...fastIds].sort((x, y) => x - y));
        expect(new Set(fastIds).size).toBe(produced);
        expect(quick.ended).toBeUndefined();

        // The sluggish client was held too, and once it read, the stream went on from its cursor: nothing missing.
        expect(lateReader).toBeDefined();
        const lastId = String(fastIds.at(-1)!);
        const deadline = Date.now() + WAIT_MS;
        while (!lateReader!.text.includes(`"id":${lastId},`) && Date.now() < deadline) {
          await sleep(20);
        }
        const sluggishIds = parseStream(lateReader!.text)
          .filter((m) => m.data.workflowId === workflowId)
          .map((m) => m.data.id as number);
        expect(sluggishIds).toEqual(fastIds);
        expect(sluggish.ended).toBeUndefined();
        expect(sluggish.peakBuffered).toBeLessThanOrEqual(16 * 1024 + 64 * 1024 + 4 * 1024);

        // What the slow client gets when it reads at last: the events it was sent, then the stream_error message.
        const rest = readAll(never);
        await within(
          (async () => {
            while (!rest.ended) await sleep(20);
          })(),
          WAIT_MS,
          'the rest of the slow stream',
        );
        const messages = parseStream(rest.text);
        const last = messages.at(-1)!;
        expect(last.event).toBe('stream_error');
        expect(last.data).toMatchObject({ code: 'SLOW_CONSUMER', resumeAfter: last.id });
        const sent = messages.slice(0, -1).filter((m) => m.data.workflowId === workflowId);
        expect(sent.length).toBeLessThan(produced);

        // Reconnecting with Last-Event-ID catches up from the database: together nothing is missing.
        const reopened = await SseClient.open(`${own.url}/api/events`, {
          ...bearer('admin'),
          'last-event-id': String(last.id),
        });
        if (!isClient(reopened)) throw new Error(`stream refused: ${reopened.status}`);
        sse.push(reopened);
        const missing = fastIds.filter((id) => id > last.id);
        await reopened.until((s) => s.of(workflowId).length >= missing.length);
        const got = new Set([
          ...sent.map((m) => m.data.id as number),
          ...reopened.of(workflowId).map((m) => m.id),
        ]);
        expect(got).toEqual(new Set(fastIds));
      } finally {
        for (const response of responses) response.destroy();
        for (const client of sse) await client.close();
        await own.server.close();
      }
      expect(own.feed.active).toBe(false);
    });

    it('refuses a caller without a bearer token, and accepts ?access_token=', async () => {
      const anonymous = await SseClient.open(`${base}/api/events`);
      expect((anonymous as Response).status).toBe(401);
      const forged = await SseClient.open(`${base}/api/events?access_token=not-a-token`);
      expect((forged as Response).status).toBe(401);

      const opened = await SseClient.open(
        `${base}/api/events?access_token=${encodeURIComponent(tokens.get('alice')!)}`,
      );
      expect(isClient(opened)).toBe(true);
      const stream = opened as SseClient;
      clients.add(stream);
      const run = await t.flowgate.start('open', { startedBy: 'alice' });
      await stream.until(completed(run.workflowId));
      await close(stream);
    });

    it('stops polling when the last client leaves', async () => {
      const stream = await connect('alice');
      expect(feed.active).toBe(true);
      await close(stream);
      const deadline = Date.now() + WAIT_MS;
      while (feed.size > 0 && Date.now() < deadline) await sleep(20);
      expect(feed.size).toBe(0);
      expect(feed.active).toBe(false);
    });

    it('sends heartbeats, and ends open streams when the server closes', async () => {
      const own = await startServer({ heartbeatMs: 50 });
      let closed = false;
      try {
        const opened = await SseClient.open(`${own.url}/api/events`, bearer('alice'));
        expect(isClient(opened)).toBe(true);
        const stream = opened as SseClient;
        await stream.until((c) => c.text.includes(': heartbeat'));
        expect(own.feed.active).toBe(true);
        await own.server.close();
        closed = true;
        await stream.until((c) => c.ended);
        expect(own.feed.active).toBe(false);
        await stream.close();
      } finally {
        if (!closed) await own.server.close();
      }
    });
  });
}
