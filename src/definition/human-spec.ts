import { z } from 'zod';

import { isPlainObject, type PathSegment } from './document-path.js';
import type { NodeDefinition } from './model.js';
import {
  escalationProblems,
  readEscalation,
  readReminders,
  remindersProblems,
  type EscalationLevel,
  type ReminderSpec,
} from './human-timers.js';
import { readDuration } from './parse-duration.js';
import { errorMessages, issuePath } from './zod-problems.js';

export const QUORUM_MODES = ['any', 'all', 'count'] as const;
export type QuorumMode = (typeof QUORUM_MODES)[number];

/** What an unanswered request turns into when its timeout passes. */
export const HUMAN_TIMEOUT_OUTCOMES = ['reject', 'approve', 'fail', 'expire'] as const;
export type HumanTimeoutOutcome = (typeof HUMAN_TIMEOUT_OUTCOMES)[number];

/** What a rejection does to the run: fail it (seed 000), or let the DAG route on `approved`. */
export const REJECT_ACTIONS = ['fail', 'continue'] as const;
export type RejectAction = (typeof REJECT_ACTIONS)[number];

/** Who may decide: a user by name (or id), or everyone holding a role. */
export type Approver = { readonly user: string } | { readonly role: string };

export interface HumanOption {
  readonly value: string;
  readonly label: string;
}

/** A human node's config, read and with its defaults filled in. */
export interface HumanNodeSpec {
  /** A template over the run's scope; defaults to `Approve <node name>?`. */
  readonly message: string;
  /** Empty means anyone who may act on the DAG. */
  readonly approvers: readonly Approver[];
  readonly quorum: { readonly mode: QuorumMode; readonly count?: number };
  /** False forbids the run's starter from deciding. */
  readonly allowSelfApproval: boolean;
  readonly options: readonly HumanOption[];
  /** A JSON Schema for the answer. */
  readonly form?: Readonly<Record<string, unknown>>;
  /** Paths the approver may edit before approving. */
  readonly editable: readonly string[];
  readonly timeout?: { readonly afterMs: number; readonly outcome: HumanTimeoutOutcome };
  readonly onReject: RejectAction;
  /** Reminders to the approvers who have not answered, while the request stays open. */
  readonly reminders?: ReminderSpec;
  /** Levels that add or replace approvers, in order of their time after the request opened. */
  readonly escalation?: readonly EscalationLevel[];
  /** Seed 002's delivery channels (`chat`, `email`, `custom`) and their `args`, as written. */
  readonly outputTypes?: readonly string[];
  readonly args?: Readonly<Record<string, unknown>>;
  /**
   * Decision links in mail: how long they stay valid (else the notifier's default), and whether the person must
   * sign in to use one. `requireLogin: true` at the top of the config means the same.
   */
  readonly links?: { readonly ttlMs?: number; readonly requireLogin: boolean };
}

const name = z.string().min(1, 'must not be empty');

/** The human-node keys, as validation checks them; any other key passes through. */
const humanConfigSchema = z.looseObject({
  message: z.string().nullish(),
  approvers: z
    .array(
      z.union([name, z.strictObject({ user: name }), z.strictObject({ role: name })], {
        error: 'an approver is a username, {user: name} or {role: name}',
      }),
      { error: 'approvers must be a list' },
    )
    .nullish(),
  quorum: z
    .strictObject({
      mode: z.enum(QUORUM_MODES),
      count: z.number().int('must be a whole number').positive('must be 1 or more').nullish(),
    })
    .nullish(),
  allowSelfApproval: z.boolean().nullish(),
  options: z
    .array(
      z.union([z.string(), z.looseObject({ value: z.string(), label: z.string().nullish() })], {
        error: 'an option is a string or {value, label}',
      }),
      { error: 'options must be a list' },
    )
    .nullish(),
  form: z.record(z.string(), z.unknown(), { error: 'form must be a JSON Schema object' }).nullish(),
  editable: z.array(z.string(), { error: 'editable must be a list of paths' }).nullish(),
  onReject: z.enum(REJECT_ACTIONS).nullish(),
  outputTypes: z.array(z.string(), { error: 'outputTypes must be a list of names' }).nullish(),
  args: z.record(z.string(), z.unknown(), { error: 'args must be an object' }).nullish(),
  requireLogin: z.boolean().nullish(),
  links: z
    .strictObject({
      ttl: z.union([z.string(), z.number()]).nullish(),
      requireLogin: z.boolean().nullish(),
    })
    .nullish(),
});

/** Finds everything wrong with a human node's config keys, with paths relative to the config. */
export function humanConfigProblems(
  config: Readonly<Record<string, unknown>>,
): { path: PathSegment[]; message: string }[] {
  const problems: { path: PathSegment[]; message: string }[] = [];
  const parsed = humanConfigSchema.safeParse(config, { error: errorMessages });
  if (!parsed.success) {
    for (const issue of parsed.error.issues)
      problems.push({ path: issuePath(issue), message: issue.message });
  }

  const quorum = config.quorum;
  if (isPlainObject(quorum) && quorum.mode === 'count') {
    const count = quorum.count;
    if (count === undefined || count === null) {
      problems.push({ path: ['quorum', 'count'], message: 'quorum mode count needs a count' });
    } else if (typeof count === 'number' && Array.isArray(config.approvers)) {
      const approvers: unknown[] = config.approvers;
      // With roles listed the number of possible approvers is known only at run time.
      const onlyUsers = approvers.every(
        (approver) => typeof approver === 'string' || isUser(approver),
      );
      if (onlyUsers && approvers.length > 0 && count > approvers.length) {
        problems.push({
          path: ['quorum', 'count'],
          message: `a quorum of ${count} cannot be met by ${approvers.length} listed approvers`,
        });
      }
    }
  }

  const timeout = config.timeout;
  if (timeout !== undefined && timeout !== null) problems.push(...timeoutProblems(timeout));
  if (config.reminders !== undefined && config.reminders !== null)
    problems.push(...remindersProblems(config.reminders));
  if (config.escalation !== undefined && config.escalation !== null) {
    problems.push(...escalationProblems(config.escalation, readTimeout(timeout).timeout?.afterMs));
  }
  const links = config.links;
  if (isPlainObject(links) && links.ttl !== undefined && links.ttl !== null) {
    const result = readDuration(links.ttl);
    if ('problem' in result) problems.push({ path: ['links', 'ttl'], message: result.problem });
  }
  return problems;
}

function isUser(approver: unknown): boolean {
  return isPlainObject(approver) && typeof approver.user === 'string';
}

// `timeout` is {after, outcome}, or a bare duration as shorthand for {after}.
function timeoutProblems(timeout: unknown): { path: PathSegment[]; message: string }[] {
  if (typeof timeout === 'string' || typeof timeout === 'number') {
    const result = readDuration(timeout);
    return 'problem' in result ? [{ path: ['timeout'], message: result.problem }] : [];
  }
  if (!isPlainObject(timeout)) {
    return [{ path: ['timeout'], message: 'timeout is {after: ISO 8601 duration, outcome}' }];
  }
  const problems: { path: PathSegment[]; message: string }[] = [];
  if (timeout.after === undefined || timeout.after === null) {
    problems.push({ path: ['timeout', 'after'], message: 'is required' });
  } else {
    const result = readDuration(timeout.after);
    if ('problem' in result) problems.push({ path: ['timeout', 'after'], message: result.problem });
  }
  const outcome = timeout.outcome;
  if (outcome !== undefined && outcome !== null && !isOneOf(outcome, HUMAN_TIMEOUT_OUTCOMES)) {
    problems.push({
      path: ['timeout', 'outcome'],
      message: `outcome must be one of ${HUMAN_TIMEOUT_OUTCOMES.join(', ')}`,
    });
  }
  for (const key of Object.keys(timeout)) {
    if (key !== 'after' && key !== 'outcome') {
      problems.push({
        path: ['timeout', key],
        message: 'unknown key (timeout takes after and outcome)',
      });
    }
  }
  return problems;
}

function isOneOf<T extends string>(value: unknown, choices: readonly T[]): value is T {
  return typeof value === 'string' && (choices as readonly string[]).includes(value);
}

/**
 * Reads a human node's config (API.md "Human nodes") into a typed object with defaults: quorum `any`,
 * self-approval allowed, timeout outcome `expire`, rejection failing the run. Assumes the DAG passed
 * validation; anything malformed is left out rather than reported.
 *
 * @example
 * ```ts
 * const spec = humanNodeSpec(dag.nodes.find((node) => node.type === 'human_in_loop')!);
 * if (spec.timeout) scheduleExpiry(spec.timeout.afterMs, spec.timeout.outcome);
 * ```
 */
export function humanNodeSpec(node: NodeDefinition): HumanNodeSpec {
  const config = node.config;
  const quorum = isPlainObject(config.quorum) ? config.quorum : {};
  const mode = isOneOf(quorum.mode, QUORUM_MODES) ? quorum.mode : 'any';
  const form = config.form;
  // Seed 002's chat args: `message` is the question and `expectedResponse` the answers it expects.
  const args = isPlainObject(config.args) ? config.args : {};
  const message =
    typeof config.message === 'string'
      ? config.message
      : typeof args.message === 'string'
        ? args.message
        : `Approve ${node.name ?? node.id}?`;
  return {
    message,
    approvers: readApprovers(config.approvers),
    quorum:
      mode === 'count' && typeof quorum.count === 'number'
        ? { mode, count: quorum.count }
        : { mode },
    allowSelfApproval: config.allowSelfApproval !== false,
    options: readOptions(config.options ?? args.expectedResponse),
    ...(isPlainObject(form) ? { form } : {}),
    editable: Array.isArray(config.editable)
      ? config.editable.filter((path): path is string => typeof path === 'string')
      : [],
    ...readTimeout(config.timeout),
    onReject: config.onReject === 'continue' ? 'continue' : 'fail',
    ...readTimers(config),
    ...(Array.isArray(config.outputTypes) ? { outputTypes: config.outputTypes as string[] } : {}),
    ...(isPlainObject(config.args) ? { args: config.args } : {}),
    ...readLinks(config),
  };
}

function readLinks(config: Readonly<Record<string, unknown>>): Pick<HumanNodeSpec, 'links'> {
  const links = isPlainObject(config.links) ? config.links : {};
  const requireLogin = config.requireLogin === true || links.requireLogin === true;
  const ttl =
    typeof links.ttl === 'string' || typeof links.ttl === 'number'
      ? readDuration(links.ttl)
      : undefined;
  const ttlMs = ttl && 'ms' in ttl ? ttl.ms : undefined;
  if (!requireLogin && ttlMs === undefined) return {};
  return { links: { requireLogin, ...(ttlMs !== undefined ? { ttlMs } : {}) } };
}

function readApprovers(value: unknown): Approver[] {
  if (!Array.isArray(value)) return [];
  const approvers: Approver[] = [];
  for (const entry of value as unknown[]) {
    if (typeof entry === 'string') approvers.push({ user: entry });
    else if (isPlainObject(entry) && typeof entry.user === 'string')
      approvers.push({ user: entry.user });
    else if (isPlainObject(entry) && typeof entry.role === 'string')
      approvers.push({ role: entry.role });
  }
  return approvers;
}

function readOptions(value: unknown): HumanOption[] {
  if (!Array.isArray(value)) return [];
  const options: HumanOption[] = [];
  for (const entry of value as unknown[]) {
    if (typeof entry === 'string') options.push({ value: entry, label: entry });
    else if (isPlainObject(entry) && typeof entry.value === 'string') {
      options.push({
        value: entry.value,
        label: typeof entry.label === 'string' ? entry.label : entry.value,
      });
    }
  }
  return options;
}

function readTimeout(value: unknown): Pick<HumanNodeSpec, 'timeout'> {
  const after = isPlainObject(value) ? value.after : value;
  const outcome =
    isPlainObject(value) && isOneOf(value.outcome, HUMAN_TIMEOUT_OUTCOMES)
      ? value.outcome
      : 'expire';
  if (typeof after !== 'string' && typeof after !== 'number') return {};
  const duration = readDuration(after);
  return 'ms' in duration ? { timeout: { afterMs: duration.ms, outcome } } : {};
}

function readTimers(
  config: Readonly<Record<string, unknown>>,
): Pick<HumanNodeSpec, 'reminders' | 'escalation'> {
  const reminders = readReminders(config.reminders);
  const escalation = readEscalation(config.escalation);
  return { ...(reminders ? { reminders } : {}), ...(escalation ? { escalation } : {}) };
}
