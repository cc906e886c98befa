/**
 * Flowgate's error taxonomy: stable string codes, the HTTP status each maps to, and serialisation for crossing
 * boundaries (database, process, HTTP). After a boundary, match on `code`, never on `instanceof`.
 */

export const ERROR_CATALOG = {
  BAD_REQUEST: { status: 400, message: 'The request is malformed.' },
  UNAUTHENTICATED: { status: 401, message: 'Authentication is required.' },
  FORBIDDEN: { status: 403, message: 'You may not do this.' },
  NOT_FOUND: { status: 404, message: 'Not found.' },
  CONFLICT: { status: 409, message: 'The object changed meanwhile.' },
  HITL_NOT_PENDING: { status: 409, message: 'The request is no longer pending.' },
  RUN_NOT_ACTIVE: { status: 409, message: 'The run is not in a state that allows this.' },
  PAYLOAD_TOO_LARGE: { status: 413, message: 'The request body is too large.' },
  DAG_INVALID: { status: 422, message: 'The DAG is invalid.' },
  VALIDATION_FAILED: { status: 422, message: 'The value does not match its schema.' },
  RATE_LIMITED: { status: 429, message: 'Too many requests.' },
  WAIT_TIMEOUT: { status: 504, message: 'Gave up waiting.' },
  NODE_FAILED: { status: 500, message: 'A node failed.' },
  NODE_TIMEOUT: { status: 500, message: 'A node timed out.' },
  RUN_TIMEOUT: { status: 500, message: 'The run timed out.' },
  LEASE_LOST: { status: 500, message: 'The lease on a node was lost.' },
  NOT_IMPLEMENTED: { status: 501, message: 'Not implemented.' },
  UPSTREAM_FAILED: {
    status: 502,
    message: 'A service Flowgate relies on (a model provider) failed.',
  },
  CONFIG_INVALID: { status: 500, message: 'The configuration is invalid.' },
  INTERNAL: { status: 500, message: 'Internal error.' },
} as const satisfies Record<string, { status: number; message: string }>;

export type ErrorCode = keyof typeof ERROR_CATALOG;

export class FlowgateError extends Error {
  override readonly name: string = 'FlowgateError';
  readonly code: ErrorCode;
  readonly details: unknown;

  constructor(code: ErrorCode, message?: string, options?: { details?: unknown; cause?: unknown }) {
    super(message ?? ERROR_CATALOG[code].message, { cause: options?.cause });
    this.code = code;
    this.details = options?.details;
  }

  get status(): number {
    return ERROR_CATALOG[this.code].status;
  }
}

/**
 * Thrown by an agent or tool to fail its node without further retries.
 *
 * @example
 * ```ts
 * tools: { charge: async ({ amount }) => { if (amount < 0) throw new NonRetriableError('negative amount'); } }
 * ```
 */
export class NonRetriableError extends Error {
  override readonly name: string = 'NonRetriableError';
  readonly retriable = false;
}

/**
 * Thrown by an agent or tool to retry after a given delay (a rate limit, say), whatever the backoff would say.
 *
 * @example
 * ```ts
 * throw new RetryAfterError('rate limited', 30_000);
 * ```
 */
export class RetryAfterError extends Error {
  override readonly name: string = 'RetryAfterError';
  constructor(
    message: string,
    readonly retryAfterMs: number,
  ) {
    super(message);
  }
}

/** An error as stored in the database and sent over the wire. */
export interface SerializedError {
  readonly name: string;
  readonly message: string;
  readonly code?: string;
  readonly retriable?: boolean;
  readonly details?: unknown;
  readonly stack?: string;
}

/** Anything thrown, made an Error (foreign code may throw strings, objects, or nothing). */
export function coerceError(thrown: unknown): Error {
  if (thrown instanceof Error) return thrown;
  if (typeof thrown === 'string') return new Error(thrown);
  try {
    return new Error(JSON.stringify(thrown));
  } catch {
    return new Error(String(thrown));
  }
}

export function serializeError(thrown: unknown, { withStack = false } = {}): SerializedError {
  const error = coerceError(thrown);
  const code = (error as { code?: unknown }).code;
  const retriable = (error as { retriable?: unknown }).retriable;
  const details = (error as { details?: unknown }).details;
  return {
    name: error.name,
    message: error.message,
    ...(typeof code === 'string' ? { code } : {}),
    ...(typeof retriable === 'boolean' ? { retriable } : {}),
    ...(details !== undefined ? { details } : {}),
    ...(withStack && error.stack ? { stack: error.stack } : {}),
  };
}
