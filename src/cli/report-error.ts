/**
 * How the CLI shows a failure: one line (or one line per problem, for an invalid DAG or answer), no
 * stack trace unless FLOWGATE_DEBUG is set, and an exit code from the error's `code` (matched by
 * code, never by class: STYLE.md).
 */
import { CommanderError } from 'commander';

import { CliError } from './cli-error.js';
import { ENV, type Env } from './env.js';
import { ExitCode } from './exit-code.js';

/** Codes that mean the caller asked for something malformed: bad usage rather than a failure. */
const USAGE_CODES = new Set(['BAD_REQUEST', 'CONFIG_INVALID', 'DAG_INVALID', 'VALIDATION_FAILED']);

interface Problem {
  readonly path?: unknown;
  readonly message?: unknown;
  readonly code?: unknown;
}

export function errorCode(error: unknown): string | undefined {
  const code = error instanceof Error ? (error as { code?: unknown }).code : undefined;
  return typeof code === 'string' ? code : undefined;
}

export function exitCodeFor(error: unknown): number {
  if (error instanceof CommanderError) return error.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
  if (error instanceof CliError) return error.exitCode;
  const code = errorCode(error);
  return code !== undefined && USAGE_CODES.has(code) ? ExitCode.usage : ExitCode.failed;
}

/** The message of anything thrown, on one line. */
export function messageOf(error: unknown): string {
  if (!(error instanceof Error)) return oneLine(String(error));
  // A refused connection to every address of a host (pg, node:net) is an AggregateError with an
  // empty message.
  if (error.message === '' && error instanceof AggregateError) {
    return oneLine(error.errors.map((inner) => messageOf(inner)).join('; '));
  }
  return oneLine(error.message || error.name);
}

/**
 * The text to print for an error: its message, or a header and one line per problem when it lists
 * them.
 */
export function formatError(error: unknown): string {
  const code = errorCode(error);
  const details = error instanceof Error ? (error as { details?: unknown }).details : undefined;
  if ((code === 'DAG_INVALID' || code === 'VALIDATION_FAILED') && Array.isArray(details)) {
    const problems = details as Problem[];
    const what =
      code === 'DAG_INVALID' ? 'The DAG is invalid' : 'The answer does not fit the request';
    const count = `${problems.length} problem${problems.length === 1 ? '' : 's'}`;
    return [`error: ${what} (${count}):`, ...problems.map(formatProblem)].join('\n');
  }
  if (code === 'CONFIG_INVALID' && hasProblems(details)) {
    return ['error: Invalid configuration:', ...details.problems.map((p) => `  ${p}`)].join('\n');
  }
  if (code === 'HITL_NOT_PENDING' && details !== null && typeof details === 'object') {
    return `error: ${describeClosedRequest(details as Record<string, unknown>)}`;
  }
  return `error: ${messageOf(error)}`;
}

function hasProblems(details: unknown): details is { problems: string[] } {
  return (
    details !== null &&
    typeof details === 'object' &&
    Array.isArray((details as { problems?: unknown }).problems)
  );
}

/** Prints the error on stderr and returns the exit code for it. */
export function reportError(error: unknown, env: Env): number {
  // Commander has printed its own message already (and, for --help, the help itself).
  if (!(error instanceof CommanderError)) {
    console.error(formatError(error));
    if (env[ENV.debug] && error instanceof Error && error.stack) console.error(error.stack);
  }
  return exitCodeFor(error);
}

/** "The request was already approved by alice at …", from a HITL_NOT_PENDING error's details. */
export function describeClosedRequest(details: Record<string, unknown>): string {
  const status = typeof details.status === 'string' ? details.status : 'decided';
  const by = typeof details.respondedBy === 'string' ? ` by ${details.respondedBy}` : '';
  const at = typeof details.respondedAt === 'string' ? ` at ${details.respondedAt}` : '';
  return `The request is no longer pending: it was already ${status}${by}${at}`;
}

function formatProblem(problem: Problem): string {
  const path = typeof problem.path === 'string' && problem.path !== '' ? `${problem.path}: ` : '';
  const code = typeof problem.code === 'string' ? ` [${problem.code}]` : '';
  const message =
    typeof problem.message === 'string' ? problem.message : JSON.stringify(problem.message);
  return `  ${path}${oneLine(message ?? 'invalid')}${code}`;
}

function oneLine(text: string): string {
  return text.replace(/\s*\n\s*/g, ' ').trim();
}
