import { isPromptAgent, readAiSpec } from './ai-spec.js';
import { isPlainObject, type PathSegment } from './document-path.js';
import { expressionProblem } from './expressions.js';
import { humanConfigProblems } from './human-spec.js';
import type { DagProblem, NodeDefinition } from './model.js';
import { readDuration } from './parse-duration.js';
import { hasTemplates } from './templates.js';

/** A problem found in a node's config, at a path relative to the config. */
export interface ConfigProblem {
  readonly code: DagProblem['code'];
  readonly path: readonly PathSegment[];
  readonly message: string;
}

/**
 * Checks the config keys a node's type gives meaning to: a human node's approval settings, a timer's
 * wait, a decision's expressions and targets, an AI node's provider, model, tools and output schema. Other keys are the node's own business.
 */
export function nodeConfigProblems(
  node: NodeDefinition,
  nodeIds: ReadonlySet<string>,
): ConfigProblem[] {
  switch (node.type) {
    case 'human_in_loop':
      return humanConfigProblems(node.config).map((problem) => ({
        code: 'invalid_config',
        ...problem,
      }));
    case 'timer':
      return timerProblems(node.config);
    case 'decision':
      return decisionProblems(node.config, nodeIds);
    case 'agent':
      // A prompt agent without a prompt is reported by validate(), which names agent_id as the other way.
      return isPromptAgent(node) && typeof node.config.prompt === 'string'
        ? readAiSpec(node.config).problems.map((problem) => ({
            code: 'invalid_config',
            ...problem,
          }))
        : [];
    case 'tool':
    case 'sub_dag':
      return [];
  }
}

const TIMER_KEYS = ['duration', 'delayMs', 'until'] as const;
// A calendar date up front keeps Date.parse from accepting loose text such as "next Monday 3pm".
const ISO_TIMESTAMP =
  /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)?$/;

function timerProblems(config: Readonly<Record<string, unknown>>): ConfigProblem[] {
  const given = TIMER_KEYS.filter((key) => config[key] !== undefined && config[key] !== null);
  if (given.length === 0) {
    return [
      invalid([], 'a timer needs one of duration (ISO 8601), delayMs or until (a timestamp)'),
    ];
  }
  if (given.length > 1) {
    return [
      invalid([], `a timer takes one of duration, delayMs or until, not ${given.join(' and ')}`),
    ];
  }
  const key = given[0]!;
  const value = config[key];
  // A template is checked as an expression elsewhere; its value is known only at run time.
  if (typeof value === 'string' && hasTemplates(value)) return [];
  if (key === 'duration') {
    const result = readDuration(value);
    return 'problem' in result ? [invalid([key], result.problem)] : [];
  }
  if (key === 'delayMs') {
    return typeof value === 'number' && Number.isFinite(value) && value >= 0
      ? []
      : [invalid([key], 'must be a non-negative number of milliseconds')];
  }
  return typeof value === 'string' && ISO_TIMESTAMP.test(value) && !Number.isNaN(Date.parse(value))
    ? []
    : [
        invalid(
          [key],
          'must be an ISO 8601 timestamp (such as 2030-01-31T09:00:00Z) or a template',
        ),
      ];
}

function decisionProblems(
  config: Readonly<Record<string, unknown>>,
  nodeIds: ReadonlySet<string>,
): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const expression = config.expression;
  if (expression !== undefined && expression !== null) {
    if (typeof expression !== 'string') {
      problems.push(invalid(['expression'], 'must be a JSONata expression (a string)'));
    } else {
      const problem = expressionProblem(expression);
      if (problem !== undefined) problems.push(badExpression(['expression'], problem));
    }
  }
  const conditions = config.conditions;
  if (conditions === undefined || conditions === null) return problems;
  if (!Array.isArray(conditions)) {
    problems.push(invalid(['conditions'], 'must be a list of {condition, target}'));
    return problems;
  }
  (conditions as unknown[]).forEach((entry, index) => {
    const path = ['conditions', index];
    if (!isPlainObject(entry)) {
      problems.push(invalid(path, 'must be {condition, target}'));
      return;
    }
    if (typeof entry.condition !== 'string') {
      problems.push(invalid([...path, 'condition'], 'must be a JSONata expression (a string)'));
    } else {
      const problem = expressionProblem(entry.condition);
      if (problem !== undefined) problems.push(badExpression([...path, 'condition'], problem));
    }
    const target = entry.target;
    if (target !== undefined && target !== null) {
      if (typeof target !== 'string') {
        problems.push(invalid([...path, 'target'], 'must be a node id'));
      } else if (!nodeIds.has(target)) {
        problems.push({
          code: 'unknown_dependency',
          path: [...path, 'target'],
          message: `target "${target}" names no node`,
        });
      }
    }
  });
  return problems;
}

function invalid(path: PathSegment[], message: string): ConfigProblem {
  return { code: 'invalid_config', path, message };
}

function badExpression(path: PathSegment[], message: string): ConfigProblem {
  return { code: 'bad_expression', path, message: `bad expression: ${message}` };
}
