/**
 * `GET /api/events`: the live event stream (server-sent events) of the runs of the DAGs the caller may see, fed by
 * the process's EventFeed. Authenticated with the bearer header, or `?access_token=` for browsers' EventSource.
 * Resumes after `Last-Event-ID` (or `?after=`); without either it starts at the newest event.
 *
 * A message's `id:` is the feed's `resumeAfter`, not always the event's own id (that is `data.id`): on PostgreSQL an
 * event may commit after later ones were sent, and while it is awaited `id:` stays below it, so that a client that
 * reconnects with `Last-Event-ID` gets it (and again some it has: clients drop repeats by `data.id`).
 *
 * A client that reads slower than events come is not buffered for: when its socket stops taking data, the stream
 * stops taking events from the feed and goes on from its cursor once the socket drains. If it stays stopped while more
 * than `maxBehind` further ids are written, the stream ends with one last message, `event: stream_error`, data
 * `{"code":"SLOW_CONSUMER","message":...,"resumeAfter":N}` (its `id:` is N too): the client reconnects with
 * `Last-Event-ID` (EventSource does so on its own) and catches up from the database.
 */
import type { onRequestAsyncHookHandler } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { ServerResponse } from 'node:http';

import type { EventFeed, FeedEvent, FeedHandle } from '../../app/event-feed.js';
import { canSeeDag, isAdmin } from '../../app/permissions.js';
import type { Actor } from '../../shared/actor.js';
import { visibleRun } from '../access.js';
import { actorOf, authenticate } from '../authenticate.js';
import type { RouteDeps } from '../route-deps.js';
import { BEARER, errorResponses } from '../schemas/common.js';
import { EventStream, EventStreamHeaders, EventStreamQuery } from '../schemas/events.js';

export interface EventRouteDeps extends RouteDeps, EventStreamOptions {
  readonly feed: EventFeed;
}

export interface EventStreamOptions {
  /** Between two heartbeat comments (default 15 s). */
  readonly heartbeatMs?: number;
  /** How long a DAG's visibility is trusted before it is checked again (default 10 s). */
  readonly visibilityTtlMs?: number;
  /** How many ids may be written while a stream's client takes nothing before the stream is ended (default 10,000). */
  readonly maxBehind?: number;
  /** Given each stream's counters when it opens; they stay current until it closes (tests, diagnostics). */
  readonly onStream?: (stats: EventStreamStats) => void;
}

/** What one stream holds and has held in this process. */
export interface EventStreamStats {
  /** Events taken from the feed and not yet written. */
  readonly queued: number;
  readonly peakQueued: number;
  /** The most bytes its response held unsent after a write. */
  readonly peakBuffered: number;
  /** How often it stopped taking events from the feed (a full socket, or a long queue). */
  readonly pauses: number;
  /** How often its socket stopped taking data (a write past the high-water mark). */
  readonly stalls: number;
  /** Why it ended, once it has. */
  readonly ended: 'client' | 'server' | 'behind' | 'error' | undefined;
}

const HEARTBEAT_MS = 15_000;
const VISIBILITY_TTL_MS = 10_000;
const MAX_BEHIND = 10_000;
/** Characters per write: a slow socket holds at most one such chunk above its high-water mark. */
const CHUNK_CHARS = 64 * 1024;
/** Queued events at which the stream stops taking more (visibility lookups slower than the feed). */
const HOLD_QUEUED = 1_000;
/** The queue may still grow by late events while held; past this the stream is ended as behind. */
const MAX_QUEUED = 10_000;
/** How long an ended stream may take to flush before its socket is destroyed. */
const END_GRACE_MS = 10_000;

export const eventRoutes: FastifyPluginAsyncZod<EventRouteDeps> = (app, deps) => {
  const { auth, flowgate, feed } = deps;
  const heartbeatMs = deps.heartbeatMs ?? HEARTBEAT_MS;
  const visibilityTtlMs = deps.visibilityTtlMs ?? VISIBILITY_TTL_MS;
  const maxBehind = deps.maxBehind ?? MAX_BEHIND;
  const bearer = authenticate(auth);
  const open = new Set<() => void>();

  /** The bearer header as on every route; without one, `?access_token=`, checked the same way. */
  const signedIn: onRequestAsyncHookHandler = async function (request, reply) {
    const token = (request.query as { access_token?: string } | undefined)?.access_token;
    if (request.headers.authorization !== undefined || token === undefined) {
      await bearer.call(this, request, reply);
      return;
    }
    const actor = await auth.authenticate(token);
    const userAgent = request.headers['user-agent'];
    request.actor = {
      ...actor,
      channel: 'api',
      ip: request.ip,
      ...(userAgent ? { userAgent } : {}),
    };
  };

  // Open streams would keep the server from closing: end them first.
  app.addHook('preClose', (done) => {
    for (const end of [...open]) end();
    done();
  });

  app.get(
    '/api/events',
    {
      onRequest: signedIn,
      schema: {
        tags: ['workflows'],
        summary: 'Live events of the runs the caller may see (server-sent events)',
        description:
          'Resumes after `Last-Event-ID` or `after`; without either, starts at the newest event. ' +
          'EventSource clients may pass the token as `access_token`.',
        security: BEARER,
        querystring: EventStreamQuery,
        headers: EventStreamHeaders,
        response: { 200: EventStream, ...errorResponses(400, 401, 404) },
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      const { workflowId, after } = request.query;
      if (workflowId !== undefined) await visibleRun(flowgate, actor, workflowId);
      const header = request.headers['last-event-id'];
      const afterId = header !== undefined ? Number(header) : (after ?? (await feed.latestId()));
      const maySee = visibility(flowgate, actor, visibilityTtlMs);

      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });

      const stats: { -readonly [K in keyof EventStreamStats]: EventStreamStats[K] } = {
        queued: 0,
        peakQueued: 0,
        peakBuffered: 0,
        pauses: 0,
        stalls: 0,
        ended: undefined,
      };
      deps.onStream?.(stats);
      const queue: FeedEvent[] = [];
      let lastSent = afterId;
      let pumping = false;
      let grace: NodeJS.Timeout | undefined;

      const end = (reason: NonNullable<EventStreamStats['ended']>) => {
        if (stats.ended !== undefined) return;
        stats.ended = reason;
        clearInterval(heartbeat);
        handle.unsubscribe();
        queue.length = 0;
        stats.queued = 0;
        if (reason === 'behind') {
          const data = {
            code: 'SLOW_CONSUMER',
            message: `The client read nothing while more than ${maxBehind} events came: reconnect with Last-Event-ID.`,
            resumeAfter: lastSent,
          };
          write(res, `id: ${lastSent}\nevent: stream_error\ndata: ${JSON.stringify(data)}\n\n`);
        }
        if (!res.writableEnded) res.end();
        // A client that does not read would keep the socket, and the server's close, waiting forever.
        grace ??= setTimeout(() => res.destroy(), END_GRACE_MS);
        grace.unref();
      };

      /** Takes events from the feed only while the socket drains and the queue is short. */
      const flow = () => {
        if (stats.ended !== undefined) return;
        const hold = res.writableNeedDrain || queue.length >= HOLD_QUEUED;
        if (hold && !handle.paused) {
          handle.pause();
          stats.pauses++;
        } else if (!hold && handle.paused) {
          handle.resume();
        }
      };

      // Visibility may need a query per new DAG: one writer at a time keeps the messages in the feed's order.
      const pump = async () => {
        if (pumping) return;
        pumping = true;
        try {
          while (stats.ended === undefined && queue.length > 0 && !res.writableNeedDrain) {
            let chunk = '';
            let resumeAfter = lastSent;
            let taken = 0;
            while (taken < queue.length && chunk.length < CHUNK_CHARS) {
              const event = queue[taken++]!;
              if (!(await maySee(event.dagId))) continue;
              chunk += message(event);
              resumeAfter = event.resumeAfter;
            }
            if (stats.ended !== undefined) return;
            queue.splice(0, taken);
            stats.queued = queue.length;
            if (chunk !== '') {
              write(res, chunk);
              lastSent = resumeAfter;
              stats.peakBuffered = Math.max(stats.peakBuffered, res.writableLength);
              if (res.writableNeedDrain) stats.stalls++;
            }
          }
        } catch (error) {
          request.log.error({ err: error }, 'the event stream failed');
          end('error');
        } finally {
          pumping = false;
        }
        flow();
      };

      const handle: FeedHandle = feed.subscribe({
        afterId,
        ...(workflowId !== undefined ? { workflowId } : {}),
        maxBehind,
        onBehind: () => end('behind'),
        onEvents: (events) => {
          if (stats.ended !== undefined) return;
          for (const event of events) queue.push(event);
          stats.queued = queue.length;
          stats.peakQueued = Math.max(stats.peakQueued, queue.length);
          if (queue.length > MAX_QUEUED) {
            end('behind');
            return;
          }
          flow();
          void pump();
        },
      });
      const heartbeat = setInterval(() => {
        if (!res.writableNeedDrain) write(res, ': heartbeat\n\n');
      }, heartbeatMs);
      const closeOnShutdown = () => {
        end('server');
        // Bytes still held here mean a socket that takes nothing: waiting for it would hold the close up.
        if (res.writableLength > 0) res.destroy();
      };
      open.add(closeOnShutdown);
      res.on('drain', () => {
        flow();
        void pump();
      });
      res.once('close', () => {
        end('client');
        clearTimeout(grace);
        open.delete(closeOnShutdown);
      });
      res.once('error', () => end('error'));
      write(res, 'retry: 2000\n: connected\n\n');
    },
  );
  return Promise.resolve();
};

/** Whether the caller may see a DAG's runs: admins always; others as its permissions say, checked per DAG. */
function visibility(
  flowgate: RouteDeps['flowgate'],
  actor: Actor,
  ttlMs: number,
): (dagId: string | null) => Promise<boolean> {
  if (isAdmin(actor)) return () => Promise.resolve(true);
  const cache = new Map<string, { visible: boolean; until: number }>();
  return async (dagId) => {
    if (dagId === null) return false;
    const cached = cache.get(dagId);
    if (cached && cached.until > Date.now()) return cached.visible;
    const dag = await flowgate.findDag(dagId);
    const visible = dag !== undefined && canSeeDag(actor, dag);
    cache.set(dagId, { visible, until: Date.now() + ttlMs });
    return visible;
  };
}

/** Each event's `event:` and `data:` lines, made once however many streams it goes to. */
const bodies = new WeakMap<object, string>();

/** One server-sent message: where to resume after it, the event's type as the event name, its view as JSON data. */
export function message(event: FeedEvent): string {
  let body = bodies.get(event.shared);
  if (body === undefined) {
    const data = {
      id: event.id,
      workflowId: event.workflowId,
      type: event.type,
      data: event.data,
      createdAt: event.createdAt,
    };
    body = `event: ${event.type.replace(/[\r\n]/g, ' ')}\ndata: ${JSON.stringify(data)}\n\n`;
    bodies.set(event.shared, body);
  }
  return `id: ${event.resumeAfter}\n${body}`;
}

function write(res: ServerResponse, text: string): void {
  if (!res.writableEnded && !res.destroyed) res.write(text);
}
