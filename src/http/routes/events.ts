/**
 * `GET /api/events`: the live event stream (server-sent events) of the runs of the DAGs the caller may see, fed by
 * the process's EventFeed. Authenticated with the bearer header, or `?access_token=` for browsers' EventSource.
 * Resumes after `Last-Event-ID` (or `?after=`); without either it starts at the newest event.
 */
import type { preHandlerAsyncHookHandler } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { ServerResponse } from 'node:http';

import type { EventFeed, FeedEvent } from '../../app/event-feed.js';
import { canSeeDag, isAdmin } from '../../app/permissions.js';
import type { Actor } from '../../shared/actor.js';
import { visibleRun } from '../access.js';
import { actorOf, authenticate } from '../authenticate.js';
import type { RouteDeps } from '../route-deps.js';
import { BEARER, errorResponses } from '../schemas/common.js';
import { EventStream, EventStreamHeaders, EventStreamQuery } from '../schemas/events.js';

export interface EventRouteDeps extends RouteDeps {
  readonly feed: EventFeed;
  /** Between two heartbeat comments (default 15 s). */
  readonly heartbeatMs?: number;
  /** How long a DAG's visibility is trusted before it is checked again (default 10 s). */
  readonly visibilityTtlMs?: number;
}

const HEARTBEAT_MS = 15_000;
const VISIBILITY_TTL_MS = 10_000;

export const eventRoutes: FastifyPluginAsyncZod<EventRouteDeps> = (app, deps) => {
  const { auth, flowgate, feed } = deps;
  const heartbeatMs = deps.heartbeatMs ?? HEARTBEAT_MS;
  const visibilityTtlMs = deps.visibilityTtlMs ?? VISIBILITY_TTL_MS;
  const bearer = authenticate(auth);
  const open = new Set<() => void>();

  /** The bearer header as on every route; without one, `?access_token=`, checked the same way. */
  const signedIn: preHandlerAsyncHookHandler = async function (request, reply) {
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
      preHandler: signedIn,
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

      let pending = Promise.resolve();
      let ended = false;
      const unsubscribe = feed.subscribe({
        afterId,
        ...(workflowId !== undefined ? { workflowId } : {}),
        onEvents: (events) => {
          // Visibility may need a query per new DAG: batches are written in order, one after the other.
          pending = pending
            .then(() => send(res, events, maySee, () => ended))
            .catch((error: unknown) => {
              request.log.error({ err: error }, 'the event stream failed');
              end();
            });
        },
      });
      const heartbeat = setInterval(() => write(res, ': heartbeat\n\n'), heartbeatMs);
      const end = () => {
        if (ended) return;
        ended = true;
        open.delete(end);
        clearInterval(heartbeat);
        unsubscribe();
        if (!res.writableEnded) res.end();
      };
      open.add(end);
      res.once('close', end);
      res.once('error', end);
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

async function send(
  res: ServerResponse,
  events: readonly FeedEvent[],
  maySee: (dagId: string | null) => Promise<boolean>,
  ended: () => boolean,
): Promise<void> {
  let chunk = '';
  for (const event of events) {
    if (!(await maySee(event.dagId))) continue;
    chunk += message(event);
  }
  if (chunk !== '' && !ended()) write(res, chunk);
}

/** One server-sent message: the event's id, its type as the event name, and its view as JSON data. */
export function message(event: FeedEvent): string {
  const data = {
    id: event.id,
    workflowId: event.workflowId,
    type: event.type,
    data: event.data,
    createdAt: event.createdAt,
  };
  return `id: ${event.id}\nevent: ${event.type.replace(/[\r\n]/g, ' ')}\ndata: ${JSON.stringify(data)}\n\n`;
}

function write(res: ServerResponse, text: string): void {
  if (!res.writableEnded && !res.destroyed) res.write(text);
}
