/**
 * `flowgate plan "REQUEST"` asks the planner for a DAG over the agents and tools of the given plugins and stores it
 * for a person to approve (or, with `--approve`, approves it at once as the person at this terminal: the run then goes
 * on in the `serve` or `worker` processes). Exit 0 when the plan can run (or ran), 1 when it is stored invalid.
 */
import type { Command } from 'commander';

import { createFlowgate } from '../../app/flowgate.js';
import type { CliContext } from '../cli-context.js';
import { cliActor } from '../cli-actor.js';
import { asOption, dbOption, pluginOption } from '../common-options.js';
import { ExitCode } from '../exit-code.js';
import { formatTable } from '../format-table.js';
import { loadPlugins } from '../load-plugins.js';
import { parseJsonOption } from '../parse-json-option.js';
import { resolveDbUrl, resolveUser } from '../resolve-settings.js';

interface PlanOptions {
  readonly db?: string;
  readonly as?: string;
  readonly plugin?: string[];
  readonly conversation?: string;
  readonly approve?: boolean;
  readonly input?: string;
  readonly json?: boolean;
}

interface PlanNode {
  readonly node_id?: unknown;
  readonly node_type?: unknown;
  readonly tool_name?: unknown;
  readonly agent_id?: unknown;
  readonly dependencies?: unknown;
}

export function planCommand(program: Command, ctx: CliContext): void {
  program
    .command('plan')
    .description('turn a request in plain words into a DAG that a person approves before it runs')
    .argument('<request>', 'what the workflow should do')
    .option('--conversation <id>', 'a follow-up in this conversation: revise its plan')
    .option('--approve', 'approve the plan at once if it can run (its run starts)')
    .option('--input <json>', "with --approve: the run's input (JSON, or @FILE)")
    .option('--json', 'print the plan as JSON')
    .addOption(pluginOption())
    .addOption(asOption('who plans (and approves)'))
    .addOption(dbOption())
    .action(async (request: string, options: PlanOptions) => {
      const db = resolveDbUrl(options.db, ctx.env);
      const input =
        options.input === undefined ? null : await parseJsonOption(options.input, '--input');
      const flowgate = await createFlowgate({
        db,
        plugins: await loadPlugins(options.plugin ?? []),
        workers: false,
      });
      try {
        const actor = await cliActor(flowgate, resolveUser(options.as, ctx.env));
        const drafted = await flowgate.plans.create(
          { request, ...(options.conversation ? { conversationId: options.conversation } : {}) },
          actor,
        );
        const approved =
          options.approve && drafted.status === 'pending_approval'
            ? await flowgate.plans.approve(
                drafted.planId,
                { input, version: drafted.version },
                actor,
              )
            : undefined;
        if (options.json) {
          console.log(JSON.stringify(approved ? { ...drafted, ...approved } : drafted, null, 2));
        } else {
          printPlan(drafted);
          if (approved) console.log(`\nApproved: run ${approved.workflowId} started.`);
          else if (drafted.status === 'pending_approval') {
            console.log(
              `\nApprove it in the web UI, with POST /api/plans/${drafted.planId}/approve, or run this again with --approve.`,
            );
          }
        }
        ctx.setExitCode(drafted.status === 'invalid' ? ExitCode.failed : ExitCode.ok);
      } finally {
        await flowgate.close();
      }
    });
}

/** Dollars to 4 significant digits: model calls often cost a fraction of a cent. */
function usd(amount: number): string {
  return `$${Number(amount.toPrecision(4))}`;
}

function printPlan(plan: {
  planId: string;
  conversationId: string | null;
  status: string;
  summary: string | null;
  plan: unknown;
  problems: readonly { path: string; message: string }[];
  gates: readonly string[];
  fixes: readonly string[];
  estimate: {
    nodes: readonly { nodeId: string; costUsd: number | null }[];
    costUsd: number | null;
    budgetUsd: number | null;
  } | null;
  plannerUsage: {
    calls: number;
    inputTokens: number;
    outputTokens: number;
    costUsd: number | null;
  } | null;
}): void {
  console.log(`Plan ${plan.planId} (${plan.status}), conversation ${plan.conversationId ?? '-'}`);
  if (plan.summary) console.log(`\n${plan.summary}`);
  const nodes = ((plan.plan as { nodes?: unknown } | null)?.nodes ?? []) as PlanNode[];
  if (Array.isArray(nodes) && nodes.length > 0) {
    const text = (value: unknown) => (typeof value === 'string' ? value : '');
    console.log(
      `\n${formatTable(
        ['NODE', 'TYPE', 'RUNS', 'AFTER'],
        nodes.map((node) => [
          text(node.node_id),
          text(node.node_type),
          text(node.tool_name) || text(node.agent_id),
          Array.isArray(node.dependencies) ? node.dependencies.map(text).join(', ') : '',
        ]),
      )}`,
    );
  }
  if (plan.gates.length > 0) console.log(`\nWaits for a person at: ${plan.gates.join(', ')}`);
  if (plan.fixes.length > 0) console.log(`\nRepaired: ${plan.fixes.join('; ')}`);
  const estimate = plan.estimate;
  if (estimate && estimate.nodes.length > 0) {
    const byNode = estimate.nodes
      .map((node) => `${node.nodeId} ${node.costUsd === null ? 'unpriced' : usd(node.costUsd)}`)
      .join(', ');
    const budget = estimate.budgetUsd === null ? '' : `; budget ${usd(estimate.budgetUsd)} a run`;
    console.log(
      `\nAI steps may cost about ${estimate.costUsd === null ? 'an unknown amount' : usd(estimate.costUsd)} a run ` +
        `(${byNode}${budget}; assumptions in --json's estimate.nodes[].basis)`,
    );
  }
  const spent = plan.plannerUsage;
  if (spent) {
    const cost = spent.costUsd === null ? 'unpriced' : usd(spent.costUsd);
    console.log(
      `Drafting it took ${spent.calls} model call${spent.calls === 1 ? '' : 's'}, ` +
        `${spent.inputTokens + spent.outputTokens} tokens, ${cost}.`,
    );
  }
  if (plan.problems.length > 0) {
    console.log('\nCannot run:');
    for (const problem of plan.problems)
      console.log(`  ${problem.path || '(plan)'}: ${problem.message}`);
  }
}
