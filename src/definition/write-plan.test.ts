import { fileURLToPath } from 'node:url';

import { describe, expect, it } from 'vitest';

import type { DagDefinition } from './model.js';
import { parseDag } from './parse-dag.js';
import { readDagFile } from './read-dag-file.js';
import { writePlan } from './write-plan.js';

const file = (path: string) => fileURLToPath(new URL(`../../${path}`, import.meta.url));

function valid(document: unknown): DagDefinition {
  const result = parseDag(document);
  if (!result.ok) throw new Error(JSON.stringify(result.problems, null, 2));
  return result.dag;
}

/** What a plan keeps: the definition without its format, written types, positions and edge conditions. */
function comparable(dag: DagDefinition) {
  const { format: _format, ...rest } = dag;
  return {
    ...rest,
    nodes: dag.nodes.map(({ sourceType: _s, position: _p, edgeConditions: _e, ...node }) => node),
  };
}

const DOCUMENTS = [
  'test/fixtures/dags/seed-000-approval.json',
  'test/fixtures/dags/seed-001-stock.json',
  'test/fixtures/dags/seed-004-graph.json',
  'test/fixtures/dags/stages-sequential.yaml',
  'test/fixtures/dags/stages-parallel.json',
  'test/fixtures/dags/stages-conditional.yaml',
  'examples/approval.json',
  'examples/review-graph.json',
  'examples/stock-plan.json',
  'examples/stages.yaml',
];

describe('writing a definition as a plan', () => {
  it.each(DOCUMENTS)('%s reads back as the same definition', async (path) => {
    const dag = valid(await readDagFile(file(path)));
    const { document } = writePlan(dag);
    const again = valid(JSON.parse(JSON.stringify(document)));
    expect(again.format).toBe('plan');
    expect(comparable(again)).toEqual(comparable(dag));
  });

  it('keeps trigger rules, retries, timeouts, compensation, conditions and explicit start nodes', () => {
    const dag = valid({
      dag_id: 'rich',
      name: 'Rich',
      settings: { timeout: 'PT1H', maxRetries: 2, concurrency: 3 },
      permissions: { owners: ['ann'], editors: [], viewers: [], isPublic: false },
      start_nodes: ['a'],
      nodes: [
        { node_id: 'a', node_type: 'agent', agent_id: 'echo_agent', dependencies: [] },
        {
          node_id: 'b',
          node_type: 'tool',
          tool_name: 'http',
          dependencies: ['a'],
          condition: 'nodes.a.output.ok',
          trigger_rule: 'all_done',
          retry: { maxRetries: 4, backoffMs: 100 },
          timeout: 'PT30S',
          compensate: { tool_name: 'undo', config: { why: 'b' } },
          config: { url: 'https://example.com' },
        },
        { node_id: 'c', node_type: 'human', dependencies: ['b'], config: { message: 'OK?' } },
      ],
    });
    const { document, lost } = writePlan(dag);
    expect(lost).toEqual([]);
    expect(document.start_nodes).toBeUndefined();
    const b = (document.nodes as Record<string, unknown>[])[1]!;
    expect(b).toMatchObject({
      trigger_rule: 'all_done',
      timeout: 30_000,
      condition: 'nodes.a.output.ok',
    });
    expect(comparable(valid(document))).toEqual(comparable(dag));
  });

  it('lists what a plan cannot say: edge conditions and positions', () => {
    const dag = valid({
      dag_id: 'branchy',
      nodes: [
        { id: 'a', type: 'ai', data: { agent_id: 'echo_agent' }, position: { x: 0, y: 0 } },
        { id: 'b', type: 'ai', data: { agent_id: 'echo_agent' } },
      ],
      edges: [{ source: 'a', target: 'b', condition: 'nodes.a.output.go' }],
    });
    const { lost } = writePlan(dag);
    expect(lost).toHaveLength(2);
    expect(lost[0]).toContain('edges into b (from a: nodes.a.output.go)');
    expect(lost[1]).toContain('positions');
  });
});
