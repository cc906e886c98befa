import { describe, expect, it } from 'vitest';

import { repairPlan } from './repair.js';

const registry = {
  hasAgent: (name: string) => name === 'summarize',
  hasTool: (name: string) => name === 'fetch_page',
};

describe('repairPlan', () => {
  it('makes only the fixes whose meaning is not in doubt, and says which', () => {
    const { document, fixes } = repairPlan(
      {
        dag_id: 'mine',
        nodes: [
          { node_id: 'fetch', node_type: 'agent', agent_id: 'fetch_page' },
          { node_id: 'sum', tool_name: 'summarize', node_type: 'tool', dependencies: 'Fetch' },
          { node_id: 'odd', tool_name: 'nowhere', dependencies: ['missing'] },
        ],
        start_nodes: ['sum'],
      },
      registry,
      'generated_plan_1',
    );
    expect(document).toEqual({
      dag_id: 'generated_plan_1',
      nodes: [
        { node_id: 'fetch', node_type: 'tool', tool_name: 'fetch_page', dependencies: [] },
        { node_id: 'sum', node_type: 'agent', agent_id: 'summarize', dependencies: ['fetch'] },
        // An unknown tool and an unknown dependency need the model's judgement: left as they are.
        { node_id: 'odd', node_type: 'tool', tool_name: 'nowhere', dependencies: ['missing'] },
      ],
      start_nodes: ['fetch'],
    });
    expect(fixes).toEqual([
      'dag_id set to generated_plan_1',
      'nodes[0].dependencies: none given, set to []',
      'nodes[0]: "fetch_page" is a tool, not an agent',
      'nodes[1].dependencies: a single id made a list',
      'nodes[1]: "summarize" is an agent, not a tool',
      'nodes[2].node_type: set to tool',
      'nodes[1].dependencies: "Fetch" read as "fetch"',
      'start_nodes: recomputed from the dependencies',
    ]);
  });

  it('leaves a document without a node list to the judge', () => {
    expect(repairPlan({ nodes: 'none' }, registry, 'p').document).toEqual({
      nodes: 'none',
      dag_id: 'p',
    });
  });
});
