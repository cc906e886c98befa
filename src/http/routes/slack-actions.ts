/**
 * `POST /api/integrations/slack/actions`: Slack's interactivity Request URL. Slack signs each click with the app's
 * signing secret; the clicking member acts as the Flowgate user an admin mapped them to (`users.slackUserId`), with
 * the same DAG access check, approver rules and compare-and-set as every other channel, recorded as channel `slack`.
 * Every verified click gets a 200 with a message only that member sees, saying what happened; an unverified one 401.
 */
import type { FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { z } from 'zod';

import type { Actor } from '../../shared/actor.js';
import { FlowgateError } from '../../shared/errors.js';
import { checkMayDecide } from '../access.js';
import type { RouteDeps } from '../route-deps.js';
import { SlackReply } from '../schemas/chat.js';
import { errorResponses } from '../schemas/common.js';

// Slack's interaction payloads are a few KB; a message with many blocks stays far below this.
const SLACK_BODY_LIMIT = 256 * 1024;

const ACTIONS: Readonly<Record<string, 'approve' | 'reject'>> = {
  flowgate_approve: 'approve',
  flowgate_reject: 'reject',
};

interface SlackPayload {
  readonly type?: unknown;
  readonly user?: { readonly id?: unknown };
  readonly response_url?: unknown;
  readonly actions?: readonly { readonly action_id?: unknown; readonly value?: unknown }[];
}

function say(text: string): z.infer<typeof SlackReply> {
  return { response_type: 'ephemeral', text };
}

function readPayload(rawBody: string): SlackPayload {
  const field = new URLSearchParams(rawBody).get('payload');
  try {
    const value: unknown = field === null ? undefined : JSON.parse(field);
    if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
      return value;
    }
  } catch {
    // Falls through to the error below.
  }
  throw new FlowgateError('BAD_REQUEST', 'The body needs a `payload` field holding a JSON object');
}

export const slackActionRoutes: FastifyPluginAsyncZod<RouteDeps> = (app, { flowgate }) => {
  // The raw text is what Slack signed, so it is kept as is and parsed only after the signature matches.
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string', bodyLimit: SLACK_BODY_LIMIT },
    (_request, body: string, done) => done(null, body),
  );

  app.post(
    '/api/integrations/slack/actions',
    {
      schema: {
        tags: ['chat'],
        summary: "Slack's interactivity Request URL: Approve/Reject buttons of chat messages",
        description:
          'application/x-www-form-urlencoded with a `payload` JSON field, signed by Slack ' +
          '(`X-Slack-Signature`, `X-Slack-Request-Timestamp`) with FLOWGATE_SLACK_SIGNING_SECRET. 401 when the ' +
          'signature or timestamp is wrong; 404 when no signing secret is configured.',
        response: { 200: SlackReply, ...errorResponses(400, 401, 404) },
      },
    },
    async (request) => {
      const answer = await handle(request);
      // Slack shows a Block Kit click's answer only when it is posted to the click's response_url; the HTTP body
      // says the same for clients and tests that read it. Not awaited: Slack wants its 200 within three seconds.
      if (answer.text !== '' && typeof answer.responseUrl === 'string') {
        flowgate.chat.replyToSlack(answer.responseUrl, answer.text).catch((error: unknown) => {
          request.log.warn({ err: error }, 'could not post the answer to Slack');
        });
      }
      return say(answer.text);
    },
  );

  async function handle(request: FastifyRequest): Promise<{ text: string; responseUrl?: unknown }> {
    const rawBody = typeof request.body === 'string' ? request.body : '';
    const header = (name: string) => {
      const value = request.headers[name];
      return Array.isArray(value) ? value[0] : value;
    };
    flowgate.chat.verifySlackRequest({
      timestamp: header('x-slack-request-timestamp'),
      signature: header('x-slack-signature'),
      rawBody,
    });
    const payload = readPayload(rawBody);
    const responseUrl = payload.response_url;
    const action = payload.actions?.[0];
    const kind = typeof action?.action_id === 'string' ? ACTIONS[action.action_id] : undefined;
    const requestId = typeof action?.value === 'string' ? action.value : undefined;
    // The Review button opens a page; Slack still reports the click, which needs only an acknowledgement.
    if (!kind || !requestId) return { text: '' };
    const slackUserId = typeof payload.user?.id === 'string' ? payload.user.id : undefined;
    const actor = slackUserId ? await flowgate.chat.slackActor(slackUserId) : undefined;
    if (!actor) {
      return {
        text:
          'Your Slack account is not linked to a Flowgate user, so nothing was decided. Ask a Flowgate admin ' +
          `to set your Slack member id (${slackUserId ?? 'unknown'}) on your user, or use Review.`,
        responseUrl,
      };
    }
    return { text: await decide(flowgate, actor, requestId, kind), responseUrl };
  }
  return Promise.resolve();
};

async function decide(
  flowgate: RouteDeps['flowgate'],
  actor: Actor,
  requestId: string,
  kind: 'approve' | 'reject',
): Promise<string> {
  try {
    await checkMayDecide(flowgate, actor, requestId);
    const result =
      kind === 'approve'
        ? await flowgate.approve(requestId, actor)
        : await flowgate.reject(requestId, actor);
    if (result.status === 'pending') {
      return `Your approval is recorded. The request waits for more approvals (${result.approvals ?? 0} of ${result.required ?? 0}).`;
    }
    return kind === 'approve' ? 'You approved the request.' : 'You rejected the request.';
  } catch (error) {
    if (!(error instanceof FlowgateError)) throw error;
    if (error.code === 'HITL_NOT_PENDING') {
      const request = await flowgate.getHitl(requestId).catch(() => undefined);
      const by = request?.respondedBy ? ` by ${request.respondedBy}` : '';
      return `This request was already ${request?.status ?? 'decided'}${by}; nothing changed.`;
    }
    if (error.code === 'NOT_FOUND') return 'This request does not exist, or you may not see it.';
    if (error.code === 'FORBIDDEN' || error.code === 'CONFLICT') {
      return `You are not an approver of this request: ${error.message}`;
    }
    throw error;
  }
}
