/**
 * A run's AI budget (a DAG's `settings.aiBudget`), checked before each model call of an AI node: once the run's priced
 * model calls have cost the budget, the call is not made and its node fails, non-retriably (`onExceed: "fail"`), with
 * what was spent; with `onExceed: "ask"` the agent loop asks a person instead (see agent-loop.ts). The check comes
 * before a call, and a call's price is known only after it: the call that crosses the budget is made, and the run may
 * end over its budget by that one call (per node running at once). Unpriced calls have no known cost and do not count
 * toward the budget.
 */
import type { AiBudget, DagDefinition } from '../definition/index.js';
import { FlowgateError } from '../shared/errors.js';
import type { Store, Tx } from '../store/port.js';
import { getDagVersion } from '../store/repositories/dags.js';
import { runAiSpend, runDagVersion, type RunAiSpend } from '../store/repositories/run-ai-spend.js';

/** DAG versions are immutable, so a budget read once holds for every run of that version; bounded per store. */
const BUDGET_CACHE_SIZE = 500;
const budgetsByStore = new WeakMap<Store, Map<string, AiBudget | null>>();

export interface SpentBudget {
  readonly budget: AiBudget;
  readonly spend: RunAiSpend;
}

/** The run's budget and spend when the spend has reached the budget of its DAG; otherwise undefined. */
export async function spentRunBudget(
  store: Store,
  run: { workflowId: string },
): Promise<SpentBudget | undefined> {
  const found = await store.read(async (tx) => {
    const budget = await budgetOf(store, tx, run.workflowId);
    return budget ? { budget, spend: await runAiSpend(tx, run.workflowId) } : undefined;
  });
  return found && found.spend.costUsd >= found.budget.usd ? found : undefined;
}

async function budgetOf(store: Store, tx: Tx, workflowId: string): Promise<AiBudget | null> {
  const workflow = await runDagVersion(tx, workflowId);
  if (!workflow) return null;
  let cache = budgetsByStore.get(store);
  if (!cache) {
    cache = new Map();
    budgetsByStore.set(store, cache);
  }
  const key = `${workflow.dagVersion}:${workflow.dagId}`;
  const cached = cache.get(key);
  if (cached !== undefined) return cached;
  const version = await getDagVersion(tx, workflow.dagId, workflow.dagVersion);
  const definition = version ? (JSON.parse(version.definition) as DagDefinition) : undefined;
  const budget = definition?.settings.aiBudget ?? null;
  cache.set(key, budget);
  if (cache.size > BUDGET_CACHE_SIZE) {
    const oldest = cache.keys().next().value;
    if (oldest !== undefined) cache.delete(oldest);
  }
  return budget;
}

/** The node's failure once the budget is spent (and nobody was asked, or the person said stop). */
export function budgetSpent({ budget, spend }: SpentBudget, refusal?: string): FlowgateError {
  const unpriced =
    spend.unpricedCalls > 0 ? `; ${spend.unpricedCalls} unpriced calls not counted` : '';
  return Object.assign(
    new FlowgateError(
      'NODE_FAILED',
      `The run's AI budget of $${usdText(budget.usd)} (settings.aiBudget) is spent: $${usdText(spend.costUsd)} over ` +
        `${spend.pricedCalls} priced model calls${unpriced}. No further model call is made` +
        (refusal ? ` (${refusal}).` : '.'),
      {
        details: {
          budgetUsd: budget.usd,
          spentUsd: spend.costUsd,
          pricedCalls: spend.pricedCalls,
          unpricedCalls: spend.unpricedCalls,
          onExceed: budget.onExceed,
        },
      },
    ),
    // Trying again spends nothing more and changes nothing: the budget stays spent.
    { retriable: false },
  );
}

function usdText(usd: number): string {
  return usd.toFixed(6).replace(/0+$/, '').replace(/\.$/, '');
}
