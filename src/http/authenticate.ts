/**
 * Authentication for routes that declare it: `Authorization: Bearer <access JWT or API key>` becomes the request's
 * `actor` (with channel `api`, the client's address and user agent). Missing or invalid → UNAUTHENTICATED (401);
 * `requireRole` refuses other roles with FORBIDDEN (403). Authorization of objects lives below app/, not here.
 */
import type { FastifyRequest, onRequestAsyncHookHandler } from 'fastify';

import type { AuthService } from '../app/accounts.js';
import type { Actor } from '../shared/actor.js';
import { FlowgateError } from '../shared/errors.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** Who sent the request; null until `authenticate` ran (and on routes that do not need it). */
    actor: Actor | null;
  }
}

const BEARER = /^Bearer\s+(\S+)\s*$/i;

/**
 * The onRequest hook of every route that needs a signed-in caller. It runs before the body is read, so an anonymous
 * caller learns 401 whatever it sent, and a server does not parse a megabyte for someone it will turn away.
 */
export function authenticate(auth: Pick<AuthService, 'authenticate'>): onRequestAsyncHookHandler {
  return async (request) => {
    const header = request.headers.authorization;
    const token = header === undefined ? undefined : BEARER.exec(header)?.[1];
    if (token === undefined) {
      throw new FlowgateError(
        'UNAUTHENTICATED',
        'Send Authorization: Bearer <access token or API key>.',
      );
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
}

/** After `authenticate`: refuses a caller without one of the roles. */
export function requireRole(...roles: readonly string[]): onRequestAsyncHookHandler {
  return (request) => {
    const actor = actorOf(request);
    if (!actor.roles?.some((role) => roles.includes(role))) {
      return Promise.reject(
        new FlowgateError('FORBIDDEN', `Only ${roles.join(' or ')} users may do this.`),
      );
    }
    return Promise.resolve();
  };
}

/** The authenticated caller of a route that declared `authenticate`. */
export function actorOf(request: FastifyRequest): Actor {
  if (!request.actor) throw new FlowgateError('UNAUTHENTICATED');
  return request.actor;
}
