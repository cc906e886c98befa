/**
 * What the planner asks the model for: a DAG in seed 001's plan format over the registered agents and tools, with a
 * short explanation for the person who reviews it. The schema only shapes the answer; the definition layer judges
 * it (every problem, with its path), so it is kept loose enough that a flawed plan still arrives to be repaired.
 */
export const PLAN_OUTPUT_SCHEMA: Readonly<Record<string, unknown>> = {
  type: 'object',
  properties: {
    summary: {
      type: 'string',
      description:
        'Two or three sentences for the reviewer: what the workflow does and where people decide.',
    },
    name: { type: 'string' },
    description: { type: 'string' },
    nodes: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          node_id: { type: 'string', description: 'Unique, snake_case.' },
          node_type: { type: 'string', enum: ['tool', 'agent', 'human_in_loop'] },
          tool_name: { type: 'string', description: 'For node_type tool: a registered tool.' },
          agent_id: { type: 'string', description: 'For node_type agent: a registered agent.' },
          config: {
            type: 'object',
            description:
              'tool/agent: {input: {...}} (values may be {{ expressions }} over input and nodes.<id>.output); ' +
              'human_in_loop: {message, approvers?: [{user}|{role}]}.',
          },
          dependencies: { type: 'array', items: { type: 'string' } },
        },
        required: ['node_id', 'node_type'],
      },
    },
  },
  required: ['nodes'],
};

/** The answer as the model gives it: a summary beside the plan document. */
export interface PlannerAnswer {
  readonly summary: string | undefined;
  /** The plan document without the summary (seed 001's format). */
  readonly document: Record<string, unknown>;
}

export function readPlannerAnswer(value: unknown): PlannerAnswer {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return { summary: undefined, document: {} };
  }
  const { summary, ...document } = value as Record<string, unknown>;
  return { summary: typeof summary === 'string' ? summary : undefined, document };
}
