/**
 * `GET /a/:token` (and HEAD): the confirmation page of a decision link, which changes nothing, so a mail scanner that
 * fetches every link decides nothing. `POST /a/:token` (form fields `decision`, `comment`, `nonce`) decides once.
 * Both answer HTML pages, never JSON and never a stack trace; the form parser is registered for this plugin only.
 */
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';

import type { LinkPage } from '../../app/decision-links.js';
import type { Actor } from '../../shared/actor.js';
import type { RouteDeps } from '../route-deps.js';

/** A form of two buttons and a comment: 16 KiB is plenty. */
const FORM_LIMIT_BYTES = 16 * 1024;

// No length limit of its own (Fastify's 100-character parameter limit applies): a link that cannot be a token gets
// the HTML page that says so, not a JSON error.
const TokenParams = z.object({ token: z.string() });

const BEARER = /^Bearer\s+(\S+)\s*$/i;

function sendPage(reply: FastifyReply, page: LinkPage): FastifyReply {
  return reply
    .code(page.status)
    .header('content-type', 'text/html; charset=utf-8')
    .header('cache-control', 'no-store')
    .header('referrer-policy', 'no-referrer')
    .header('x-robots-tag', 'noindex, nofollow')
    .header('x-frame-options', 'DENY')
    .header('x-content-type-options', 'nosniff')
    .header(
      'content-security-policy',
      "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    )
    .send(page.html);
}

function field(body: unknown, name: string): string | undefined {
  const value = (body as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' ? value : undefined;
}

export const decisionLinkRoutes: FastifyPluginAsyncZod<RouteDeps> = (app, { auth, flowgate }) => {
  app.addContentTypeParser(
    'application/x-www-form-urlencoded',
    { parseAs: 'string', bodyLimit: FORM_LIMIT_BYTES },
    (_request, body: string, done) => {
      done(null, Object.fromEntries(new URLSearchParams(body)));
    },
  );

  /** Who is signed in, if the request says (only nodes with `requireLogin` look). Never an error here. */
  const signedIn = async (request: FastifyRequest): Promise<Actor | undefined> => {
    const header = request.headers.authorization;
    const token = header === undefined ? undefined : BEARER.exec(header)?.[1];
    if (token === undefined) return undefined;
    return auth.authenticate(token).catch(() => undefined);
  };

  app.get(
    '/a/:token',
    {
      schema: {
        tags: ['links'],
        summary: 'The confirmation page of a decision link (HTML); changes nothing',
        description:
          '200 with a form (approve, reject, comment); 404 not a valid link, 410 used, expired or replaced, ' +
          '409 the request is closed.',
        params: TokenParams,
      },
    },
    async (request, reply) => sendPage(reply, await flowgate.links.view(request.params.token)),
  );

  app.post(
    '/a/:token',
    {
      bodyLimit: FORM_LIMIT_BYTES,
      schema: {
        tags: ['links'],
        summary:
          'Decide through a decision link (form fields decision, comment, nonce); answers HTML',
        description:
          'Only from the page GET rendered (its nonce); decides once, as the approver the link is bound to. ' +
          '403 without a valid nonce or when the approver may not decide, 410 used or expired, 409 closed.',
        params: TokenParams,
      },
    },
    async (request, reply) => {
      const userAgent = request.headers['user-agent'];
      const actor = await signedIn(request);
      const decision = field(request.body, 'decision');
      const comment = field(request.body, 'comment');
      const nonce = field(request.body, 'nonce');
      const page = await flowgate.links.decide(
        request.params.token,
        {
          ...(decision !== undefined ? { decision } : {}),
          ...(comment !== undefined ? { comment } : {}),
          ...(nonce !== undefined ? { nonce } : {}),
        },
        {
          ip: request.ip,
          ...(userAgent ? { userAgent } : {}),
          ...(actor ? { signedIn: actor } : {}),
        },
      );
      return sendPage(reply, page);
    },
  );
  return Promise.resolve();
};
