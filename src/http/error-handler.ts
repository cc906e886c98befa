/**
 * The ONE place where errors become HTTP answers (STYLE.md §4.2 rule 6): `{error: {code, message, details?}}` with
 * the status of the code in ERROR_CATALOG. A FlowgateError keeps its code; a schema failure is BAD_REQUEST listing
 * every issue; Fastify's own client errors (malformed JSON, too large a body, ...) get the catalog code of their
 * status. Anything else is INTERNAL with a generic message: logged with its stack, never sent.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';

import { ERROR_CATALOG, FlowgateError, type ErrorCode } from '../shared/errors.js';
import type { ErrorBody, ValidationIssue } from './schemas/common.js';

export interface ErrorAnswer {
  readonly status: number;
  readonly body: ErrorBody;
}

/** The catalog code of a client-error status that Fastify or a plugin reports; BAD_REQUEST for the rest. */
const CODE_OF_STATUS: Readonly<Record<number, ErrorCode>> = {
  401: 'UNAUTHENTICATED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  413: 'PAYLOAD_TOO_LARGE',
  429: 'RATE_LIMITED',
};

interface FrameworkError {
  readonly message: string;
  readonly statusCode?: unknown;
  readonly validation?: unknown;
  readonly validationContext?: unknown;
}

function isFrameworkError(error: unknown): error is FrameworkError {
  return error instanceof Error;
}

function answer(code: ErrorCode, message: string, details?: unknown): ErrorAnswer {
  return {
    status: ERROR_CATALOG[code].status,
    body: { error: { code, message, ...(details !== undefined ? { details } : {}) } },
  };
}

function validationIssues(error: FrameworkError): ValidationIssue[] | undefined {
  if (!Array.isArray(error.validation) || error.validation.length === 0) return undefined;
  const where = typeof error.validationContext === 'string' ? error.validationContext : 'body';
  return (error.validation as { instancePath?: unknown; message?: unknown }[]).map((issue) => ({
    in: where,
    path: typeof issue.instancePath === 'string' && issue.instancePath ? issue.instancePath : '/',
    message: typeof issue.message === 'string' ? issue.message : 'is invalid',
  }));
}

/** What an error answers, and whether it is the server's fault (to be logged). Pure: no logging, no reply. */
export function describeError(error: unknown): ErrorAnswer & { readonly internal: boolean } {
  if (error instanceof FlowgateError) {
    const status = ERROR_CATALOG[error.code].status;
    if (error.code === 'INTERNAL') {
      return { ...answer('INTERNAL', ERROR_CATALOG.INTERNAL.message), internal: true };
    }
    return { ...answer(error.code, error.message, error.details), internal: status >= 500 };
  }
  if (isFrameworkError(error)) {
    const issues = validationIssues(error);
    if (issues) {
      return {
        ...answer('BAD_REQUEST', 'The request does not match its schema.', issues),
        internal: false,
      };
    }
    const status = typeof error.statusCode === 'number' ? error.statusCode : 500;
    if (status >= 400 && status < 500) {
      return { ...answer(CODE_OF_STATUS[status] ?? 'BAD_REQUEST', error.message), internal: false };
    }
  }
  return { ...answer('INTERNAL', ERROR_CATALOG.INTERNAL.message), internal: true };
}

/** Fastify's error handler: every thrown error and every error a plugin raises ends here. */
export function errorHandler(error: unknown, request: FastifyRequest, reply: FastifyReply): void {
  const { status, body, internal } = describeError(error);
  if (internal) {
    request.log.error({ err: error }, `${request.method} ${request.url} failed`);
  }
  void reply.code(status).header('cache-control', 'no-store').send(body);
}

/** Unknown routes: NOT_FOUND in the same envelope. */
export function notFoundHandler(request: FastifyRequest, reply: FastifyReply): void {
  const path = request.url.split('?')[0] ?? '/';
  errorHandler(
    new FlowgateError('NOT_FOUND', `No route for ${request.method} ${path}.`),
    request,
    reply,
  );
}
