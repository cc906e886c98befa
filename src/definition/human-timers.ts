/**
 * A human node's `reminders: {first, every, max}` and `escalation: [{after, approvers, mode}]` (API.md "Human
 * nodes"): validated with every problem's path, and read into milliseconds so the request row needs no re-parsing.
 * Reminders are non-interrupting (the request stays open, like Camunda's timer cycle); escalation levels are measured
 * from the moment the request opens, in order, like PagerDuty's rules, and add or replace approvers.
 */
import { isPlainObject, type PathSegment } from './document-path.js';
import { readDuration } from './parse-duration.js';

export const ESCALATION_MODES = ['add', 'replace'] as const;
export type EscalationMode = (typeof ESCALATION_MODES)[number];

/** Who may decide: a user by name (or id), or everyone holding a role. */
export type TimerApprover = { readonly user: string } | { readonly role: string };

export interface ReminderSpec {
  /** After the request opens. */
  readonly firstMs: number;
  /** Between reminders after the first; absent means one reminder only. */
  readonly everyMs?: number;
  /** The most reminders one request sends. */
  readonly max: number;
}

export interface EscalationLevel {
  /** After the request opens (not after the previous level). */
  readonly afterMs: number;
  readonly approvers: readonly TimerApprover[];
  readonly mode: EscalationMode;
}

/** No request sends more reminders than this, however the node is written. */
export const MAX_REMINDERS = 100;
/** With `every` and no `max`, a request is reminded this often at most. */
export const DEFAULT_REMINDERS = 3;

type Problem = { path: PathSegment[]; message: string };

function durationProblem(value: unknown, path: PathSegment[]): Problem | undefined {
  const result = readDuration(value);
  if ('problem' in result) return { path, message: result.problem };
  if (result.ms <= 0) return { path, message: 'must be longer than zero' };
  return undefined;
}

function unknownKeys(value: Record<string, unknown>, known: readonly string[], at: PathSegment[]) {
  return Object.keys(value)
    .filter((key) => !known.includes(key))
    .map((key) => ({
      path: [...at, key],
      message: `unknown key (${String(at[0])} takes ${known.join(', ')})`,
    }));
}

export function remindersProblems(reminders: unknown): Problem[] {
  if (!isPlainObject(reminders)) {
    return [{ path: ['reminders'], message: 'reminders is {first, every, max}' }];
  }
  const problems: Problem[] = unknownKeys(reminders, ['first', 'every', 'max'], ['reminders']);
  const given = (key: string) => reminders[key] !== undefined && reminders[key] !== null;
  if (!given('first') && !given('every')) {
    problems.push({ path: ['reminders'], message: 'reminders needs first, every or both' });
  }
  for (const key of ['first', 'every']) {
    if (!given(key)) continue;
    const problem = durationProblem(reminders[key], ['reminders', key]);
    if (problem) problems.push(problem);
  }
  if (given('max')) {
    const max = reminders.max;
    if (typeof max !== 'number' || !Number.isInteger(max) || max < 1 || max > MAX_REMINDERS) {
      problems.push({
        path: ['reminders', 'max'],
        message: `must be a whole number from 1 to ${MAX_REMINDERS}`,
      });
    } else if (max > 1 && !given('every')) {
      problems.push({
        path: ['reminders', 'max'],
        message: 'more than one reminder needs every (the time between them)',
      });
    }
  }
  return problems;
}

/** `timeoutMs`, when the node has a valid timeout, must come after every level (a later level would never fire). */
export function escalationProblems(escalation: unknown, timeoutMs: number | undefined): Problem[] {
  if (!Array.isArray(escalation)) {
    return [{ path: ['escalation'], message: 'escalation is a list of {after, approvers, mode}' }];
  }
  const problems: Problem[] = [];
  let previousMs: number | undefined;
  (escalation as unknown[]).forEach((level, index) => {
    const at: PathSegment[] = ['escalation', index];
    if (!isPlainObject(level)) {
      problems.push({ path: at, message: 'a level is {after, approvers, mode}' });
      return;
    }
    problems.push(...unknownKeys(level, ['after', 'approvers', 'mode'], ['escalation', index]));
    if (level.after === undefined || level.after === null) {
      problems.push({ path: [...at, 'after'], message: 'is required' });
    } else {
      const problem = durationProblem(level.after, [...at, 'after']);
      if (problem) problems.push(problem);
      const read = readDuration(level.after);
      if (!problem && 'ms' in read) {
        if (previousMs !== undefined && read.ms <= previousMs) {
          problems.push({
            path: [...at, 'after'],
            message:
              'must be later than the level before (levels count from when the request opens)',
          });
        }
        if (timeoutMs !== undefined && read.ms >= timeoutMs) {
          problems.push({
            path: [...at, 'after'],
            message: 'must be earlier than timeout.after (the request would have closed)',
          });
        }
        previousMs = read.ms;
      }
    }
    problems.push(...approverListProblems(level.approvers, [...at, 'approvers']));
    const mode = level.mode;
    if (
      mode !== undefined &&
      mode !== null &&
      !(ESCALATION_MODES as readonly unknown[]).includes(mode)
    ) {
      problems.push({
        path: [...at, 'mode'],
        message: `mode must be one of ${ESCALATION_MODES.join(', ')}`,
      });
    }
  });
  return problems;
}

function approverListProblems(value: unknown, path: PathSegment[]): Problem[] {
  if (!Array.isArray(value) || value.length === 0) {
    return [{ path, message: 'a level needs a non-empty list of approvers' }];
  }
  const problems: Problem[] = [];
  (value as unknown[]).forEach((entry, index) => {
    if (readApprover(entry) === undefined) {
      problems.push({
        path: [...path, index],
        message: 'an approver is a username, {user: name} or {role: name}',
      });
    }
  });
  return problems;
}

export function readApprover(entry: unknown): TimerApprover | undefined {
  if (typeof entry === 'string' && entry !== '') return { user: entry };
  if (!isPlainObject(entry) || Object.keys(entry).length !== 1) return undefined;
  if (typeof entry.user === 'string' && entry.user !== '') return { user: entry.user };
  if (typeof entry.role === 'string' && entry.role !== '') return { role: entry.role };
  return undefined;
}

function durationMs(value: unknown): number | undefined {
  if (typeof value !== 'string' && typeof value !== 'number') return undefined;
  const read = readDuration(value);
  return 'ms' in read && read.ms > 0 ? read.ms : undefined;
}

/** Reads valid `reminders`; undefined when absent or malformed (validation reports it). */
export function readReminders(value: unknown): ReminderSpec | undefined {
  if (!isPlainObject(value)) return undefined;
  const firstMs = durationMs(value.first);
  const everyMs = durationMs(value.every);
  const start = firstMs ?? everyMs;
  if (start === undefined) return undefined;
  const max =
    typeof value.max === 'number' && Number.isInteger(value.max) && value.max >= 1
      ? Math.min(value.max, MAX_REMINDERS)
      : everyMs !== undefined
        ? DEFAULT_REMINDERS
        : 1;
  return { firstMs: start, ...(everyMs !== undefined ? { everyMs } : {}), max };
}

/** Reads valid `escalation` levels in order of `after`; malformed levels are left out. */
export function readEscalation(value: unknown): EscalationLevel[] | undefined {
  if (!Array.isArray(value)) return undefined;
  const levels: EscalationLevel[] = [];
  for (const level of value as unknown[]) {
    if (!isPlainObject(level)) continue;
    const afterMs = durationMs(level.after);
    const approvers = Array.isArray(level.approvers)
      ? (level.approvers as unknown[])
          .map(readApprover)
          .filter((a): a is TimerApprover => a !== undefined)
      : [];
    if (afterMs === undefined || approvers.length === 0) continue;
    levels.push({ afterMs, approvers, mode: level.mode === 'replace' ? 'replace' : 'add' });
  }
  levels.sort((a, b) => a.afterMs - b.afterMs);
  return levels.length > 0 ? levels : undefined;
}
