/**
 * The planner's instructions: what a plan is, the agents and tools it may use (with their input schemas), and the
 * conversation so far. A repair round adds the problems of the last answer, each with its path.
 */
import type { DagProblem } from '../definition/index.js';

export interface StepDescription {
  readonly name: string;
  readonly kind: 'agent' | 'tool';
  readonly description?: string;
  /** A JSON Schema of the step's input, when it declares one. */
  readonly inputSchema?: unknown;
}

export interface PlannerMessage {
  readonly role: 'user' | 'assistant';
  readonly content: string;
}

export function systemPrompt(steps: readonly StepDescription[]): string {
  const listed = (kind: 'agent' | 'tool') => {
    const of = steps.filter((step) => step.kind === kind);
    if (of.length === 0) return '  (none)';
    return of
      .map((step) => {
        const schema = step.inputSchema ? ` input schema: ${JSON.stringify(step.inputSchema)}` : '';
        return `  - ${step.name}: ${step.description ?? 'no description'}${schema}`;
      })
      .join('\n');
  };
  return [
    'You plan workflows for Flowgate, a durable workflow engine with people in the loop.',
    'Answer with one workflow: a DAG of nodes in the JSON shape you are given.',
    '',
    'Node types:',
    '- tool: runs a registered tool (tool_name); config.input is its input.',
    '- agent: runs a registered agent (agent_id); config.input is its input.',
    '- human_in_loop: waits for a person; config.message says what they decide (approve or reject).',
    '',
    'Rules:',
    '- Use only the agents and tools listed below, by their exact names. If the request needs one that is not',
    '  listed, say so in the summary and plan the rest.',
    '- dependencies lists the node_ids that must finish first; the graph must have no cycles.',
    '- Put a human_in_loop node before any step that spends money, changes data others rely on, or contacts',
    '  people outside the organisation.',
    "- Inputs may use {{ expressions }} over `input` (the run's input) and `nodes.<node_id>.output`.",
    '',
    'Agents:',
    listed('agent'),
    'Tools:',
    listed('tool'),
  ].join('\n');
}

export function problemsMessage(problems: readonly DagProblem[]): string {
  return [
    'The plan you gave cannot run. Fix every problem below and answer with the whole corrected plan:',
    ...problems.map((p) => `- ${p.path || '(plan)'}: ${p.message} [${p.code}]`),
  ].join('\n');
}
