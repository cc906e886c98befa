import { isPlainObject } from './document-path.js';

/** What happens to a model call once the run's AI spend has reached its budget. */
export const AI_BUDGET_ON_EXCEED = ['fail', 'ask'] as const;

/**
 * A run's budget for its AI nodes' model calls (a DAG's `settings.aiBudget`): once the priced calls of the run have
 * cost `usd`, the next model call fails its node (non-retriably), or with `onExceed: "ask"` waits for a person (the
 * node's `approval` settings) who lets that node run on past the budget or stops it. Unpriced calls have no known
 * cost and do not count.
 */
export interface AiBudget {
  /** US dollars, more than zero. */
  readonly usd: number;
  readonly onExceed: (typeof AI_BUDGET_ON_EXCEED)[number];
}

/** Reads `settings.aiBudget`: `{usd, onExceed?}`; every problem with its key (relative to `aiBudget`). */
export function readAiBudget(
  value: unknown,
): { budget: AiBudget } | { problems: { key: string; message: string }[] } {
  if (!isPlainObject(value)) {
    return {
      problems: [{ key: '', message: 'must be an object: {"usd": 5, "onExceed": "fail"}' }],
    };
  }
  const problems: { key: string; message: string }[] = [];
  const { usd, onExceed = 'fail', ...others } = value;
  if (typeof usd !== 'number' || !Number.isFinite(usd) || usd <= 0) {
    problems.push({ key: 'usd', message: 'must be an amount in US dollars, more than 0' });
  }
  if (!(AI_BUDGET_ON_EXCEED as readonly unknown[]).includes(onExceed)) {
    problems.push({
      key: 'onExceed',
      message: 'must be "fail" (the node fails) or "ask" (a person may let it go on)',
    });
  }
  for (const key of Object.keys(others)) {
    problems.push({ key, message: 'unknown key (aiBudget takes usd and onExceed)' });
  }
  if (problems.length > 0) return { problems };
  return {
    budget: { usd: usd as number, onExceed: onExceed as (typeof AI_BUDGET_ON_EXCEED)[number] },
  };
}
