/**
 * The few REST calls the CLI makes to a running Flowgate server (API.md "HTTP"), with the API key
 * as bearer token. Every failure becomes one clear line: the server's `{error: {code, message}}`
 * explained by its status, or why the server could not be reached.
 */
import type { Page } from '../app/flowgate.js';
import type { HitlRequestView } from '../app/views.js';
import type { DecisionInput, DecisionResult } from '../app/views.js';
import { CliError } from './cli-error.js';
import { ExitCode } from './exit-code.js';
import { describeServer } from './hitl-target.js';
import { messageOf } from './report-error.js';

/**
 * Long enough for a loaded server behind a proxy, short enough that a script on a dead link does
 * not hang: a decision is one short transaction on the server.
 */
export const DEFAULT_TIMEOUT_MS = 30_000;

/**
 * A refusal by the server. It keeps the server's `code` and `details` because the CLI reports by
 * code: a HITL_NOT_PENDING says who decided and when, a VALIDATION_FAILED lists every problem,
 * exactly as when the database answers.
 */
export class ApiError extends CliError {
  override readonly name: string = 'ApiError';

  constructor(
    message: string,
    readonly status: number,
    readonly code: string,
    readonly details: unknown,
  ) {
    // Malformed input is bad usage (exit 2) in database mode too; everything else is a failure.
    super(message, status === 400 || status === 422 ? ExitCode.usage : ExitCode.failed);
  }
}

export interface ApiClientOptions {
  readonly server: URL;
  readonly apiKey: string;
  readonly timeoutMs?: number;
}

export interface HitlListFilter {
  readonly status?: string;
  readonly workflowId?: string;
  readonly limit?: number;
  readonly cursor?: string;
}

export interface Me {
  readonly userId: string;
  readonly username: string;
}

interface CallOptions {
  readonly query?: Readonly<Record<string, string | number | undefined>>;
  readonly body?: unknown;
  /** What a 404 means for this call. */
  readonly notFound: string;
}

export class ApiClient {
  readonly #server: URL;
  readonly #apiKey: string;
  readonly #timeoutMs: number;

  constructor(options: ApiClientOptions) {
    this.#server = options.server;
    this.#apiKey = options.apiKey;
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  }

  /** The API key's user. */
  async getMe(): Promise<Me> {
    const body = await this.#call('GET', 'api/me', {
      notFound: `${describeServer(this.#server)} has no /api/me: is it a Flowgate server?`,
    });
    if (!isRecord(body) || typeof body.userId !== 'string' || typeof body.username !== 'string') {
      throw unexpectedAnswer(this.#server, 'GET /api/me');
    }
    return { userId: body.userId, username: body.username };
  }

  /** One page of the requests the key's user may see (`GET /api/hitl`), oldest first. */
  async listHitl(filter: HitlListFilter): Promise<Page<HitlRequestView>> {
    const body = await this.#call('GET', 'api/hitl', {
      query: { ...filter },
      notFound: `${describeServer(this.#server)} has no /api/hitl: is it a Flowgate server?`,
    });
    if (
      !isRecord(body) ||
      !Array.isArray(body.items) ||
      !body.items.every(isRequestView) ||
      !(body.nextCursor === null || typeof body.nextCursor === 'string')
    ) {
      throw unexpectedAnswer(this.#server, 'GET /api/hitl');
    }
    return { items: body.items, nextCursor: body.nextCursor };
  }

  /** `POST /api/hitl/:requestId/approve|reject|respond`, the comment sent as `response`. */
  async decideHitl(requestId: string, input: DecisionInput): Promise<DecisionResult> {
    const response = input.comment === undefined ? {} : { response: input.comment };
    const body =
      input.kind === 'approve'
        ? { ...response, ...(input.edits === undefined ? {} : { edits: input.edits }) }
        : input.kind === 'respond'
          ? { value: input.value, ...response }
          : response;
    const path = `api/hitl/${encodeURIComponent(requestId)}/${input.kind}`;
    const answer = await this.#call('POST', path, {
      body,
      notFound: `No such request: ${requestId} (or the API key's user may not see it)`,
    });
    if (
      !isRecord(answer) ||
      typeof answer.requestId !== 'string' ||
      typeof answer.workflowId !== 'string' ||
      typeof answer.status !== 'string'
    ) {
      throw unexpectedAnswer(this.#server, `POST /${path}`);
    }
    return answer as unknown as DecisionResult;
  }

  async #call(method: 'GET' | 'POST', path: string, options: CallOptions): Promise<unknown> {
    const url = new URL(path, this.#server);
    for (const [name, value] of Object.entries(options.query ?? {})) {
      if (value !== undefined) url.searchParams.set(name, String(value));
    }
    const server = describeServer(this.#server);
    let status: number;
    let location: string | null;
    let text: string;
    try {
      // One signal for the answer and its body: a server that stalls mid-body is as stuck as a
      // silent one.
      const response = await fetch(url, {
        method,
        headers: {
          accept: 'application/json',
          authorization: `Bearer ${this.#apiKey}`,
          ...(options.body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
        signal: AbortSignal.timeout(this.#timeoutMs),
        // Followed, a redirect would turn a POST into a GET; the base URL is the operator's to fix.
        redirect: 'manual',
      });
      status = response.status;
      location = response.headers.get('location');
      text = await response.text();
    } catch (error) {
      const reason = networkReason(error, this.#timeoutMs);
      throw new CliError(`Cannot reach ${server}: ${reason}`, ExitCode.failed, { cause: error });
    }
    const body = parseJson(text);
    if (status >= 200 && status < 300) return body;
    if (status >= 300 && status < 400) {
      const where = location === null ? '' : ` to ${new URL(location, url).href}`;
      throw new CliError(
        `${server} redirects${where}: give the server's own base URL`,
        ExitCode.failed,
      );
    }
    throw refusal(status, body, server, options.notFound);
  }
}

/** The server's error explained by its status; the server's own message says the rest. */
function refusal(status: number, body: unknown, server: string, notFound: string): ApiError {
  const error = isRecord(body) && isRecord(body.error) ? body.error : {};
  const code = typeof error.code === 'string' ? error.code : `HTTP_${status}`;
  const said = typeof error.message === 'string' ? error.message.replace(/\.$/, '') : undefined;
  return new ApiError(
    refusalMessage({ status, code, said, server, notFound }),
    status,
    code,
    error.details,
  );
}

function refusalMessage(refused: {
  status: number;
  code: string;
  said: string | undefined;
  server: string;
  notFound: string;
}): string {
  const { status, code, said, server } = refused;
  const because = said === undefined ? '' : `: ${said}`;
  switch (status) {
    case 401:
      return `The API key was refused by ${server}${because}`;
    case 403:
      return `Not allowed${because}`;
    case 404:
      return refused.notFound;
    case 409:
      // The details (who decided, when) replace this line when the server sends them.
      return code === 'HITL_NOT_PENDING'
        ? `The request is no longer pending: it was already decided${because}`
        : `Conflict${because}`;
    case 429:
      return `${server} refuses more requests for now${because}; try again later`;
    default:
      if (status >= 500) return `${server} failed (HTTP ${status})${because}`;
      return said ?? `${server} answered HTTP ${status}`;
  }
}

function networkReason(error: unknown, timeoutMs: number): string {
  if (error instanceof Error && error.name === 'TimeoutError') {
    return `no answer within ${timeoutMs / 1000} s`;
  }
  // undici says only "fetch failed" and keeps the reason (ECONNREFUSED, DNS, TLS) as the cause.
  const cause = error instanceof Error ? error.cause : undefined;
  return messageOf(cause ?? error);
}

function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function unexpectedAnswer(server: URL, call: string): CliError {
  return new CliError(
    `${describeServer(server)} answered ${call} with something else than Flowgate does: ` +
      'is it a Flowgate server of this version?',
    ExitCode.failed,
  );
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** The fields the CLI shows; the rest is printed with --json as the server sent it. */
function isRequestView(value: unknown): value is HitlRequestView {
  return (
    isRecord(value) &&
    ['requestId', 'workflowId', 'nodeId', 'status', 'createdAt'].every(
      (key) => typeof value[key] === 'string',
    ) &&
    (value.message === null || typeof value.message === 'string') &&
    (value.respondedBy === null || typeof value.respondedBy === 'string')
  );
}
