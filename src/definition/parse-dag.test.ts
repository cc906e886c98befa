import { fileURLToPath } from 'node:url';

import { describe, expect, it } from 'vitest';

import type { DagDefinition, NodeDefinition } from './model.js';
import { parseDag, type ParseResult } from './parse-dag.js';
import { readDagFile } from './read-dag-file.js';

const fixture = (name: string) =>
  fileURLToPath(new URL(`../../test/fixtures/dags/${name}`, import.meta.url));

function expectDag(result: ParseResult): DagDefinition {
  if (!result.ok)
    throw new Error(`expected a valid DAG, got ${JSON.stringify(result.problems, null, 2)}`);
  return result.dag;
}

async function load(name: string): Promise<DagDefinition> {
  return expectDag(parseDag(await readDagFile(fixture(name))));
}

function node(dag: DagDefinition, id: string): NodeDefinition {
  const found = dag.nodes.find((candidate) => candidate.id === id);
  if (!found) throw new Error(`no node ${id}`);
  return found;
}

describe('plan format (seeds 000/001)', () => {
  it('imports the seed 000 approval workflow', async () => {
    const dag = await load('seed-000-approval.json');
    expect(dag).toMatchObject({
      dagId: 'approval_workflow',
      format: 'plan',
      startNodes: ['step1'],
      settings: {},
    });
    expect(dag.nodes.map((entry) => [entry.id, entry.type, entry.dependencies])).toEqual([
      ['step1', 'agent', []],
      ['approval', 'human_in_loop', ['step1']],
      ['step2', 'agent', ['approval']],
    ]);
    expect(node(dag, 'step1')).toEqual({
      id: 'step1',
      type: 'agent',
      sourceType: 'agent',
      agentId: 'data_collector',
      config: {},
      dependencies: [],
      edgeConditions: {},
      triggerRule: 'all_success',
    });
    expect(node(dag, 'approval').config.message).toEqual(expect.any(String));
  });

  it("imports seed 001's plan with a tool and its input", async () => {
    const dag = await load('seed-001-stock.json');
    expect(dag).toMatchObject({ dagId: 'stock_lookup_plan', name: 'Share price lookup' });
    expect(node(dag, 'step_1')).toMatchObject({
      type: 'tool',
      toolName: 'get_stock_price',
      config: { input: { symbol: 'AAPL' } },
    });
  });

  it('maps type aliases, keeping the written type, and reads the common node fields', () => {
    const dag = expectDag(
      parseDag({
        dag_id: 'aliases',
        nodes: [
          { node_id: 'a', node_type: 'ai', agent_id: 'x', retries: 3, timeout: 'PT30S' },
          {
            node_id: 'b',
            node_type: 'action',
            tool_name: 't',
            dependencies: ['a'],
            retry: { maxRetries: 2, backoffMs: 100, maxBackoffMs: 1000 },
            trigger_rule: 'all_done',
            condition: '{{ nodes.a.output.ok }}',
            compensate: { tool_name: 'undo', config: { why: 'rollback' } },
          },
          {
            node_id: 'c',
            node_type: 'human',
            dependencies: ['b'],
            triggerRule: 'one_success',
            config: { timeoutMs: 500 },
          },
          { node_id: 'd', node_type: 'subdag', config: { dag_id: 'child' }, dependencies: ['c'] },
          {
            node_id: 'e',
            node_type: 'sub_workflow',
            config: { dagId: 'child' },
            dependencies: ['c'],
          },
          {
            node_id: 'f',
            node_type: 'timer',
            config: { duration: 'PT1M' },
            dependencies: ['d', 'e'],
          },
        ],
      }),
    );
    expect(dag.nodes.map((entry) => [entry.type, entry.sourceType])).toEqual([
      ['agent', 'ai'],
      ['tool', 'action'],
      ['human_in_loop', 'human'],
      ['sub_dag', 'subdag'],
      ['sub_dag', 'sub_workflow'],
      ['timer', 'timer'],
    ]);
    expect(node(dag, 'a')).toMatchObject({ retry: { maxRetries: 3 }, timeoutMs: 30_000 });
    expect(node(dag, 'b')).toMatchObject({
      retry: { maxRetries: 2, backoffMs: 100, maxBackoffMs: 1000 },
      triggerRule: 'all_done',
      condition: 'nodes.a.output.ok',
      compensate: { toolName: 'undo', config: { why: 'rollback' } },
    });
    expect(node(dag, 'c')).toMatchObject({ triggerRule: 'one_success', timeoutMs: 500 });
    expect(dag.startNodes).toEqual(['a']);
  });
});

describe('graph format (seed 004)', () => {
  it('imports nodes, edges with conditions, positions, settings and permissions', async () => {
    const dag = await load('seed-004-graph.json');
    expect(dag).toMatchObject({
      dagId: 'content_review',
      name: 'Content Review',
      format: 'graph',
      startNodes: ['draft'],
      settings: {
        timeoutMs: 3_600_000,
        maxRetries: 2,
        concurrency: 4,
        notifyOnFailure: true,
        notificationChannels: ['email'],
      },
      permissions: { owners: ['alice'], editors: ['bob'], viewers: [], isPublic: false },
      metadata: { tags: ['content'], category: 'marketing' },
    });
    expect(dag.settings).not.toHaveProperty('timeout');
    expect(
      dag.nodes.map((entry) => [entry.id, entry.type, entry.sourceType, entry.dependencies]),
    ).toEqual([
      ['draft', 'agent', 'ai', []],
      ['review', 'human_in_loop', 'human', ['draft']],
      ['route', 'decision', 'decision', ['review']],
      ['publish', 'tool', 'action', ['route']],
    ]);
    expect(node(dag, 'draft')).toMatchObject({
      agentId: 'writer',
      name: 'Write a draft',
      position: { x: 0, y: 80 },
    });
    expect(node(dag, 'route').edgeConditions).toEqual({ review: 'approved' });
    expect(node(dag, 'publish')).toMatchObject({
      toolName: 'publish_post',
      config: { input: { text: expect.any(String) } },
    });
  });

  it('takes the id from dag_id, then id, then a slug of the name', () => {
    const nodes = [{ id: 'a', type: 'ai', data: { prompt: 'hello' } }];
    expect(expectDag(parseDag({ dag_id: 'one', id: 'two', name: 'x', nodes })).dagId).toBe('one');
    expect(expectDag(parseDag({ id: 'two', name: 'x', nodes })).dagId).toBe('two');
    expect(expectDag(parseDag({ name: ' Weekly Report - EU (v2) ', nodes })).dagId).toBe(
      'weekly_report_eu_v2',
    );
  });

  it('accepts an AI node defined by a prompt, tools named in data.tool, and common fields in data', () => {
    const dag = expectDag(
      parseDag({
        name: 'g',
        nodes: [
          { id: 'a', type: 'ai', data: { prompt: 'Summarise {{ input.text }}' } },
          {
            id: 'b',
            type: 'action',
            data: { tool: 'send', triggerRule: 'all_done', retries: 1, timeoutMs: 900 },
          },
          { id: 'c', type: 'timer', data: { delayMs: 10 }, condition: 'false' },
          { id: 'd', type: 'tool', data: { toolName: 'send' } },
        ],
        edges: [
          { source: 'a', target: 'b' },
          { source: 'a', target: 'c' },
          { source: 'b', target: 'd', condition: 'ok = true' },
          { source: 'c', target: 'd' },
        ],
      }),
    );
    expect(node(dag, 'a').agentId).toBeUndefined();
    expect(node(dag, 'b')).toMatchObject({
      toolName: 'send',
      triggerRule: 'all_done',
      retry: { maxRetries: 1 },
      timeoutMs: 900,
    });
    expect(node(dag, 'c').condition).toBe('false');
    expect(node(dag, 'd')).toMatchObject({
      toolName: 'send',
      dependencies: ['b', 'c'],
      edgeConditions: { b: 'ok = true' },
    });
  });
});

describe('stages format (seed 003)', () => {
  it('chains sequential stages and puts an approval gate before a stage', async () => {
    const dag = await load('stages-sequential.yaml');
    expect(dag).toMatchObject({
      dagId: 'release_notes',
      format: 'stages',
      startNodes: ['collect'],
      settings: { timeoutMs: 7_200_000 },
    });
    expect(
      dag.nodes.map((entry) => [entry.id, entry.type, entry.dependencies, entry.triggerRule]),
    ).toEqual([
      ['collect', 'agent', [], 'all_success'],
      ['summarise', 'agent', ['collect'], 'all_success'],
      ['publish_approval', 'human_in_loop', ['summarise'], 'all_success'],
      ['publish', 'tool', ['publish_approval'], 'all_success'],
    ]);
    expect(node(dag, 'collect').config).toEqual({ input: { since: '{{ input.since }}' } });
    expect(node(dag, 'summarise')).toMatchObject({
      agentId: 'data_processor',
      retry: { maxRetries: 2, backoffMs: 500 },
    });
    expect(node(dag, 'publish_approval').config).toEqual({
      message: 'Publish {{ nodes.summarise.output.title }}?',
      approvers: [{ role: 'admin' }],
      timeout: { after: 'PT4H' },
    });
  });

  it('starts parallel stages at once; a gate with no message asks about the stage by name', async () => {
    const dag = await load('stages-parallel.json');
    expect(dag.startNodes).toEqual(['apple', 'microsoft', 'report_approval']);
    expect(node(dag, 'apple')).toMatchObject({
      type: 'tool',
      toolName: 'get_stock_price',
      config: { input: { symbol: 'AAPL' } },
    });
    expect(node(dag, 'report').dependencies).toEqual(['report_approval']);
    expect(node(dag, 'report_approval').config).toEqual({ message: 'Approve stage Board report?' });
  });

  it('chains conditional stages so that a skipped stage does not skip the rest', async () => {
    const dag = await load('stages-conditional.yaml');
    expect(dag.dagId).toBe('order_follow_up');
    expect(
      dag.nodes.map((entry) => [entry.id, entry.dependencies, entry.triggerRule, entry.condition]),
    ).toEqual([
      ['check', [], 'all_success', undefined],
      ['refund_approval', ['check'], 'none_failed', 'nodes.check.output.count > 2'],
      ['refund', ['refund_approval'], 'none_failed', 'nodes.check.output.count > 2'],
      ['notify', ['refund'], 'none_failed', 'input.notify'],
    ]);
  });

  it('leaves out the gate when requiresApproval is false, and keeps explicit types', () => {
    const dag = expectDag(
      parseDag({
        name: 's',
        stages: [
          { id: 'wait', type: 'timer', config: { duration: 'PT5M' } },
          { id: 'go', agent_id: 'x', requiresApproval: false, approval: { message: 'unused' } },
        ],
      }),
    );
    expect(dag.nodes.map((entry) => `${entry.id}:${entry.type}`)).toEqual([
      'wait:timer',
      'go:agent',
    ]);
  });
});

describe('format detection', () => {
  it('refuses what is not an object, and what matches no format', () => {
    expect(parseDag('nodes: []')).toEqual({
      ok: false,
      problems: [{ code: 'invalid_document', path: '', message: expect.any(String) }],
    });
    expect(parseDag({ steps: [] })).toEqual({
      ok: false,
      problems: [
        {
          code: 'unknown_format',
          path: '',
          message: expect.stringContaining('not a known DAG format'),
        },
      ],
    });
  });
});
