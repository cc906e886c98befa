/**
 * `POST /hooks/:triggerId`: an inbound trigger starts a run with the JSON body as its input, and answers 202
 * `{workflowId}` at once (the run goes on in the workers).
 *
 * Answers: 404 for an unknown trigger (ids are 128 random bits, so this tells a prober nothing), 401 for a missing or
 * wrong secret, a bad or stale signature (checked before the body is read when it is a bearer secret), 413 above the
 * body limit, 429 above the trigger's rate. An `Idempotency-Key` (or, for a signed request, its `webhook-id`) starts at
 * most one run: a repeat answers the same workflowId with `Idempotent-Replayed: true`.
 *
 * The JSON parser of these routes keeps the raw bytes: a Standard Webhooks signature covers the body as sent, which
 * re-serialising the parsed value would not reproduce. It is registered in this plugin only.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { FastifyRequest } from 'fastify';

import { FlowgateError } from '../../shared/errors.js';
import type { RouteDeps } from '../route-deps.js';
import { errorResponses } from '../schemas/common.js';
import { HookAccepted, HookBody, TriggerParams } from '../schemas/triggers.js';

export interface HookOptions extends RouteDeps {
  /** The largest body a trigger accepts, in bytes. */
  readonly bodyLimit: number;
  /** Requests per trigger and window (counted in this process). */
  readonly rateLimit: { readonly max: number; readonly timeWindowMs: number };
}

const rawBodies = new WeakMap<FastifyRequest, Buffer>();

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function credentialHeaders(request: FastifyRequest) {
  return {
    authorization: header(request, 'authorization'),
    webhookId: header(request, 'webhook-id'),
    webhookTimestamp: header(request, 'webhook-timestamp'),
    webhookSignature: header(request, 'webhook-signature'),
  };
}

export const hookRoutes: FastifyPluginAsyncZod<HookOptions> = (app, options) => {
  const { flowgate } = options;

  app.removeContentTypeParser('application/json');
  app.addContentTypeParser(
    'application/json',
    { parseAs: 'buffer', bodyLimit: options.bodyLimit },
    (request, body: Buffer, done) => {
      rawBodies.set(request, body);
      if (body.length === 0) {
        done(null, undefined);
        return;
      }
      try {
        done(null, JSON.parse(body.toString('utf8')) as unknown);
      } catch {
        done(new FlowgateError('BAD_REQUEST', 'The body is not valid JSON.'), undefined);
      }
    },
  );

  app.post(
    '/hooks/:triggerId',
    {
      bodyLimit: options.bodyLimit,
      config: {
        rateLimit: {
          max: options.rateLimit.max,
          timeWindow: options.rateLimit.timeWindowMs,
          keyGenerator: (request: FastifyRequest) =>
            `trigger:${(request.params as { triggerId?: string }).triggerId ?? ''}`,
          errorResponseBuilder: (_request, context) =>
            new FlowgateError(
              'RATE_LIMITED',
              `Too many requests for this trigger; try again in ${context.after}.`,
            ),
        },
      },
      // Refuses an unknown trigger or a wrong bearer secret before the body is read.
      onRequest: async (request) => {
        const { triggerId } = request.params;
        await flowgate.triggers.checkHeaders(triggerId, credentialHeaders(request));
      },
      schema: {
        tags: ['triggers'],
        summary: 'Start a run of the trigger’s DAG with the JSON body as input',
        description:
          'Authorization: Bearer <trigger secret>, or a Standard Webhooks signature (webhook-id, ' +
          'webhook-timestamp within 5 minutes, webhook-signature) for a standard_webhooks trigger. An ' +
          'Idempotency-Key header (or the webhook-id) starts at most one run.',
        params: TriggerParams,
        body: HookBody,
        response: { 202: HookAccepted, ...errorResponses(400, 401, 404, 409, 413, 429) },
      },
    },
    async (request, reply) => {
      const fired = await flowgate.triggers.fire(request.params.triggerId, {
        ...credentialHeaders(request),
        idempotencyKey: header(request, 'idempotency-key'),
        rawBody: rawBodies.get(request) ?? Buffer.alloc(0),
        input: request.body ?? null,
      });
      if (!fired.started) void reply.header('idempotent-replayed', 'true');
      return reply.code(202).send({ workflowId: fired.workflowId });
    },
  );
  return Promise.resolve();
};
