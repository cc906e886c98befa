import { formatPath, isPlainObject, type PathSegment } from './document-path.js';
import {
  NODE_TYPES,
  TRIGGER_RULES,
  type Compensation,
  type DagProblem,
  type NodeType,
  type RetryPolicy,
  type TriggerRule,
} from './model.js';
import { readDuration } from './parse-duration.js';
import { unwrapTemplate } from './templates.js';

const TYPE_ALIASES: Readonly<Record<string, NodeType>> = {
  ai: 'agent',
  action: 'tool',
  human: 'human_in_loop',
  hitl: 'human_in_loop',
  subdag: 'sub_dag',
  sub_workflow: 'sub_dag',
};

/** Maps a written node type (`ai`, `human`, `Sub-DAG`, ...) to the model's, or undefined when unknown. */
export function resolveNodeType(written: string): NodeType | undefined {
  const key = written.trim().toLowerCase().replace(/-/g, '_');
  if ((NODE_TYPES as readonly string[]).includes(key)) return key as NodeType;
  return TYPE_ALIASES[key];
}

/** An object in the document that may hold node fields, and its path. */
export interface FieldHolder {
  readonly value: Record<string, unknown>;
  readonly path: string;
}

/** Finds the first non-null value among `keys`, looking in each holder in turn. */
export function pickField(
  holders: readonly FieldHolder[],
  keys: readonly string[],
): { value: unknown; path: string } | undefined {
  for (const holder of holders) {
    for (const key of keys) {
      const value = holder.value[key];
      if (value !== undefined && value !== null)
        return { value, path: formatPath([key], holder.path) };
    }
  }
  return undefined;
}

/** Like {@link pickField}, for string values (zod has reported the others). */
export function pickString(
  holders: readonly FieldHolder[],
  keys: readonly string[],
): { value: string; path: string } | undefined {
  const found = pickField(holders, keys);
  return found && typeof found.value === 'string'
    ? { value: found.value, path: found.path }
    : undefined;
}

export interface CommonFields {
  condition?: string;
  conditionPath?: string;
  triggerRule: TriggerRule;
  retry?: Partial<RetryPolicy>;
  timeoutMs?: number;
  compensate?: Compensation;
  compensatePath?: string;
}

/**
 * Reads the fields every node format shares: condition, trigger rule, retry, timeout, compensation.
 * Values of the right type but wrong meaning become `invalid_config` problems.
 *
 * @param holders where to look, in order of precedence (the node, then seed 004's `data`).
 * @param timeoutHolder the object whose `timeout` is the node's timeout (not seed 004's `data`, where a
 *   human node's `timeout` is its approval timeout).
 * @param config the node's config, whose `timeoutMs` is a fallback timeout.
 */
export function readCommonFields(
  holders: readonly FieldHolder[],
  timeoutHolder: FieldHolder,
  config: FieldHolder,
  defaultTriggerRule: TriggerRule,
  problems: DagProblem[],
): CommonFields {
  const fields: CommonFields = { triggerRule: defaultTriggerRule };
  const invalid = (path: string, message: string) =>
    problems.push({ code: 'invalid_config', path, message });

  const condition = pickString(holders, ['condition']);
  if (condition) {
    fields.condition = unwrapTemplate(condition.value);
    fields.conditionPath = condition.path;
  }

  const rule = pickString(holders, ['trigger_rule', 'triggerRule']);
  if (rule) {
    if ((TRIGGER_RULES as readonly string[]).includes(rule.value)) {
      fields.triggerRule = rule.value as TriggerRule;
    } else {
      invalid(
        rule.path,
        `unknown trigger rule "${rule.value}" (expected ${TRIGGER_RULES.join(', ')})`,
      );
    }
  }

  const retry = readRetry(holders, invalid);
  if (retry) fields.retry = retry;

  const timeout = timeoutHolder.value.timeout;
  const timeoutMs = config.value.timeoutMs;
  if (typeof timeout === 'number' || typeof timeout === 'string') {
    const result = readDuration(timeout);
    if ('ms' in result) fields.timeoutMs = result.ms;
    else invalid(formatPath(['timeout'], timeoutHolder.path), result.problem);
  } else if (typeof timeoutMs === 'number') {
    if (Number.isFinite(timeoutMs) && timeoutMs >= 0) fields.timeoutMs = timeoutMs;
    else invalid(formatPath(['timeoutMs'], config.path), 'must be a non-negative number');
  }

  const compensate = pickField(holders, ['compensate']);
  if (compensate && isPlainObject(compensate.value)) {
    const value = compensate.value;
    const agentId = firstString(value, ['agent_id', 'agentId']);
    const toolName = firstString(value, ['tool_name', 'toolName']);
    if (agentId === undefined && toolName === undefined) {
      invalid(compensate.path, 'a compensation names an agent_id or a tool_name');
    } else if (agentId !== undefined && toolName !== undefined) {
      invalid(compensate.path, 'a compensation names an agent_id or a tool_name, not both');
    }
    fields.compensatePath = compensate.path;
    fields.compensate = {
      ...(agentId !== undefined ? { agentId } : {}),
      ...(toolName !== undefined ? { toolName } : {}),
      ...(isPlainObject(value.config) ? { config: value.config } : {}),
    };
  }
  return fields;
}

function firstString(value: Record<string, unknown>, keys: readonly string[]): string | undefined {
  for (const key of keys) {
    const found = value[key];
    if (typeof found === 'string' && found !== '') return found;
  }
  return undefined;
}

function readRetry(
  holders: readonly FieldHolder[],
  invalid: (path: string, message: string) => void,
): Partial<RetryPolicy> | undefined {
  const found = pickField(holders, ['retry', 'retries']);
  if (!found) return undefined;
  const entries: [keyof RetryPolicy, unknown, PathSegment[]][] = [];
  if (typeof found.value === 'number') {
    entries.push(['maxRetries', found.value, []]);
  } else if (isPlainObject(found.value)) {
    const value = found.value;
    const aliases: [keyof RetryPolicy, string, string][] = [
      ['maxRetries', 'maxRetries', 'max_retries'],
      ['backoffMs', 'backoffMs', 'backoff_ms'],
      ['maxBackoffMs', 'maxBackoffMs', 'max_backoff_ms'],
    ];
    for (const [field, camel, snake] of aliases) {
      const key = value[camel] !== undefined && value[camel] !== null ? camel : snake;
      if (value[key] !== undefined && value[key] !== null) entries.push([field, value[key], [key]]);
    }
  } else {
    return undefined;
  }
  const retry: Partial<Record<keyof RetryPolicy, number>> = {};
  for (const [field, value, segments] of entries) {
    if (typeof value !== 'number') continue;
    const isCount = field === 'maxRetries';
    if (!Number.isFinite(value) || value < 0 || (isCount && !Number.isInteger(value))) {
      invalid(
        formatPath(segments, found.path),
        isCount
          ? 'must be a whole number of retries, 0 or more'
          : 'must be milliseconds, 0 or more',
      );
      continue;
    }
    retry[field] = value;
  }
  return retry;
}
