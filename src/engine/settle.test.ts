import { describe, expect, it } from 'vitest';

import { parseDag, type DagDefinition } from '../definition/index.js';
import { assessRun, resolveNodes, type NodeSnapshot } from './settle.js';

function dag(
  nodes: { id: string; deps?: string[]; rule?: string; condition?: string }[],
): DagDefinition {
  const parsed = parseDag({
    dag_id: 'unit',
    nodes: nodes.map((n) => ({
      node_id: n.id,
      node_type: 'agent',
      agent_id: 'echo_agent',
      dependencies: n.deps ?? [],
      ...(n.rule ? { trigger_rule: n.rule } : {}),
      ...(n.condition ? { condition: n.condition } : {}),
    })),
  });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  return parsed.dag;
}

const state = (status: string, extra: Partial<NodeSnapshot> = {}): NodeSnapshot => ({
  status,
  ready: false,
  output: status === 'completed' ? {} : undefined,
  ...extra,
});

async function resolve(d: DagDefinition, states: Record<string, NodeSnapshot>, condition = true) {
  return resolveNodes({
    dag: d,
    nodes: new Map(Object.entries(states)),
    capacity: Number.POSITIVE_INFINITY,
    condition: () => Promise.resolve(condition),
  });
}

describe('resolveNodes', () => {
  const join = (rule: string) =>
    dag([{ id: 'a' }, { id: 'b' }, { id: 'j', deps: ['a', 'b'], rule }]);

  it.each([
    // rule, a, b → what happens to the join
    ['all_success', 'completed', 'completed', 'ready'],
    ['all_success', 'completed', 'running', undefined],
    ['all_success', 'failed', 'running', 'fail'],
    ['all_success', 'skipped', 'running', 'skip'],
    ['none_failed', 'skipped', 'completed', 'ready'],
    ['none_failed', 'failed', 'completed', 'fail'],
    ['one_success', 'completed', 'running', 'ready'],
    ['one_success', 'skipped', 'failed', 'fail'],
    ['one_success', 'skipped', 'skipped', 'skip'],
    ['all_done', 'failed', 'running', undefined],
    ['all_done', 'failed', 'skipped', 'ready'],
  ])('%s with upstream %s and %s: %s', async (rule, a, b, expected) => {
    const resolutions = await resolve(join(rule), {
      a: state(a),
      b: state(b),
      j: state('pending'),
    });
    expect(resolutions.find((r) => r.nodeId === 'j')?.action).toBe(expected);
  });

  it('propagates a skip down a chain in one pass', async () => {
    const d = dag([
      { id: 'a', condition: 'false' },
      { id: 'b', deps: ['a'] },
      { id: 'c', deps: ['b'] },
    ]);
    const resolutions = await resolve(
      d,
      { a: state('pending'), b: state('pending'), c: state('pending') },
      false,
    );
    expect(resolutions.map((r) => [r.nodeId, r.action])).toEqual([
      ['a', 'skip'],
      ['b', 'skip'],
      ['c', 'skip'],
    ]);
  });

  it('turns a condition that throws into an error for its node only', async () => {
    const d = dag([{ id: 'a', condition: 'boom' }, { id: 'b' }]);
    const resolutions = await resolveNodes({
      dag: d,
      nodes: new Map(Object.entries({ a: state('pending'), b: state('pending') })),
      capacity: Number.POSITIVE_INFINITY,
      condition: () => Promise.reject(new Error('cannot evaluate')),
    });
    expect(resolutions).toEqual([
      { nodeId: 'a', action: 'error', message: 'cannot evaluate' },
      { nodeId: 'b', action: 'ready' },
    ]);
  });

  it('makes no more worker nodes ready than the capacity allows', async () => {
    const d = dag([{ id: 'a' }, { id: 'b' }, { id: 'c' }]);
    const resolutions = await resolveNodes({
      dag: d,
      nodes: new Map(
        Object.entries({ a: state('pending'), b: state('pending'), c: state('pending') }),
      ),
      capacity: 2,
      condition: () => Promise.resolve(true),
    });
    expect(resolutions.filter((r) => r.action === 'ready')).toHaveLength(2);
  });
});

describe('assessRun', () => {
  const chain = dag([{ id: 'a' }, { id: 'b', deps: ['a'] }]);

  it('completes with the single leaf output as the result', () => {
    const outlook = assessRun(
      chain,
      new Map(
        Object.entries({ a: state('completed'), b: state('completed', { output: { x: 1 } }) }),
      ),
    );
    expect(outlook).toEqual({ kind: 'completed', result: { x: 1 } });
  });

  it('is doomed by a failed leaf, naming the first failure', () => {
    const outlook = assessRun(
      chain,
      new Map(Object.entries({ a: state('failed'), b: state('failed') })),
    );
    expect(outlook).toEqual({ kind: 'failed', nodeId: 'a' });
  });

  it('waits for people when only human nodes are open', () => {
    const outlook = assessRun(
      chain,
      new Map(Object.entries({ a: state('completed'), b: state('waiting_hitl') })),
    );
    expect(outlook.kind).toBe('waiting_for_people');
  });

  it('is active while anything runs or is ready', () => {
    const outlook = assessRun(
      chain,
      new Map(Object.entries({ a: state('completed'), b: state('pending', { ready: true }) })),
    );
    expect(outlook.kind).toBe('active');
  });
});
