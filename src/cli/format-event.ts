/**
 * One line of live progress per event of a run (`flowgate run`): what started, what finished and
 * how long it took, retries, skips, failures with their error, and the people's part. Pure, so the
 * wording is tested without a run.
 */
import type { EventView } from '../app/views.js';

type Data = Readonly<Record<string, unknown>>;

/**
 * The line for an event, or undefined for events that add nothing to a terminal (the run's start is
 * announced by the command itself). `prefix` names the sub-DAG node a child run belongs to
 * (`review/`), empty for the run itself.
 */
export function formatEvent(event: EventView, prefix = ''): string | undefined {
  const text = describeEvent(event.type, asData(event.data), prefix);
  return text === undefined ? undefined : `${clockTime(event.createdAt)}  ${text}`;
}

function describeEvent(type: string, data: Data, prefix: string): string | undefined {
  const node = `${prefix}${text(data.node_id) ?? '?'}`;
  const run = prefix === '' ? 'run' : `sub-run ${prefix.slice(0, -1)}`;
  switch (type) {
    case 'workflow_started':
      return prefix === '' ? undefined : `${run} started`;
    case 'node_started':
      return `${node} started${startDetails(data)}`;
    case 'node_completed': {
      const ms =
        typeof data.duration_ms === 'number' ? ` in ${formatDuration(data.duration_ms)}` : '';
      return `${node} completed${ms}`;
    }
    case 'node_retrying': {
      const attempt = shown(data.attempt);
      return `${node} failed on attempt ${attempt}, will retry: ${errorText(data.error)}`;
    }
    case 'node_failed':
      return `${node} failed: ${errorText(data.error)}`;
    case 'node_skipped':
      return `${node} skipped${skipReason(data.reason)}`;
    case 'node_cancelled':
      return `${node} cancelled`;
    case 'node_lease_expired':
      return `${node} lost its worker on attempt ${shown(data.attempt)}; it will run again`;
    case 'hitl_requested': {
      const request = shown(data.request_id);
      return `${node} waits for a person (request ${request}): ${quote(data.message)}`;
    }
    case 'hitl_voted':
      return (
        `${node}: ${who(data.by)} voted ${shown(data.decision)} ` +
        `(${shown(data.approvals)} of ${shown(data.required)})`
      );
    case 'hitl_approved':
      return `${node} approved by ${who(data.by)}${comment(data.response)}`;
    case 'hitl_rejected':
      return `${node} rejected by ${who(data.by)}${comment(data.response)}`;
    case 'hitl_completed':
      return `${node} answered by ${who(data.by)}: ${JSON.stringify(data.value ?? null)}`;
    case 'hitl_expired':
      return `${node}: the request expired`;
    case 'hitl_cancelled': {
      const reason = data.reason === undefined ? '' : ` (${shown(data.reason)})`;
      return `${node}: the request was cancelled${reason}`;
    }
    case 'workflow_paused':
      return data.reason === 'user'
        ? `${run} paused by a user`
        : `${run} paused: waiting for people`;
    case 'workflow_resumed':
      return `${run} resumed`;
    case 'workflow_completed':
      return `${run} completed`;
    case 'workflow_failed':
      return `${run} failed: ${errorText(data.error)}`;
    case 'workflow_cancelled':
      return `${run} cancelled`;
    case 'workflow_retried':
      return `${run} retried`;
    default:
      return data.node_id === undefined ? `${run}: ${type}` : `${node}: ${type}`;
  }
}

const SKIP_REASONS: Readonly<Record<string, string>> = {
  condition: 'its condition is false',
  upstream: 'an upstream node was skipped',
};

function skipReason(reason: unknown): string {
  const known = typeof reason === 'string' ? (SKIP_REASONS[reason] ?? reason) : undefined;
  return known === undefined ? '' : ` (${known})`;
}

function startDetails(data: Data): string {
  const parts: string[] = [];
  const agent = text(data.agent_id);
  const tool = text(data.tool_name);
  if (agent !== undefined) parts.push(`agent ${agent}`);
  else if (tool !== undefined) parts.push(`tool ${tool}`);
  else if (data.child_workflow_id !== undefined)
    parts.push(`sub-run ${text(data.child_workflow_id)}`);
  if (typeof data.attempt === 'number' && data.attempt > 1) parts.push(`attempt ${data.attempt}`);
  return parts.length > 0 ? ` (${parts.join(', ')})` : '';
}

/** `850 ms`, `2.4 s`, `3 min 5 s`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  const seconds = Math.round(ms / 1000);
  return `${Math.floor(seconds / 60)} min ${seconds % 60} s`;
}

function asData(data: unknown): Data {
  return data !== null && typeof data === 'object' ? (data as Data) : {};
}

function text(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return undefined;
}

/** A stored error is a SerializedError `{message, code?}`, or a plain message in older events. */
function errorText(error: unknown): string {
  if (typeof error === 'string') return oneLine(error);
  const message = asData(error).message;
  return typeof message === 'string' ? oneLine(message) : 'unknown error';
}

function who(by: unknown): string {
  const actor = asData(by);
  return text(actor.username) ?? text(actor.userId) ?? 'someone';
}

function comment(response: unknown): string {
  return typeof response === 'string' && response !== '' ? `: "${oneLine(response)}"` : '';
}

/** A field shown inline, `?` when an event lacks it. */
function shown(value: unknown): string {
  return text(value) ?? '?';
}

function quote(message: unknown): string {
  return typeof message === 'string' ? oneLine(message) : '(no message)';
}

function oneLine(value: string): string {
  return value.replace(/\s*\n\s*/g, ' ').trim();
}

/**
 * `HH:MM:SS` in local time: runs are watched live, so the wall clock is what the reader compares
 * against.
 */
function clockTime(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '--:--:--';
  return [date.getHours(), date.getMinutes(), date.getSeconds()]
    .map((part) => String(part).padStart(2, '0'))
    .join(':');
}
