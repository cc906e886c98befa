import { describe, expect, it } from 'vitest';

import type { DagProblem, DagProblemCode, RegistryView } from './model.js';
import { parseDag } from './parse-dag.js';

function problemsOf(document: unknown, registry?: RegistryView): DagProblem[] {
  const result = parseDag(document, registry ? { registry } : {});
  if (result.ok) throw new Error('expected problems');
  return result.problems;
}

/** `code @ path` for each problem, which is what most assertions care about. */
function where(document: unknown, registry?: RegistryView): string[] {
  return problemsOf(document, registry).map((problem) => `${problem.code} @ ${problem.path}`);
}

const agent = (node_id: string, dependencies: string[] = [], extra: object = {}) => ({
  node_id,
  node_type: 'agent',
  agent_id: 'worker',
  dependencies,
  ...extra,
});

const registry: RegistryView = {
  hasAgent: (name) => name === 'worker' || name === 'echo_agent',
  hasTool: (name) => name === 'get_stock_price',
};

describe('document shape (invalid_document)', () => {
  it('reports missing and empty nodes, a missing dag id, nodes without ids and wrong types at once', () => {
    expect(where({ dag_id: 'd', nodes: [] })).toEqual(['invalid_document @ nodes']);
    expect(
      where({
        nodes: [{ node_type: 'agent' }, agent('a', 'b' as unknown as string[])],
        settings: [],
      }),
    ).toEqual([
      'invalid_document @ dag_id',
      'invalid_document @ nodes[0].node_id',
      'invalid_document @ nodes[1].dependencies',
      'invalid_document @ settings',
    ]);
    expect(where({ dag_id: 'd' })).toEqual(['invalid_document @ nodes']);
  });

  it('says a required field is required', () => {
    const [problem] = problemsOf({ dag_id: 'd', nodes: [{ node_id: 'a' }] });
    expect(problem).toEqual({
      code: 'invalid_document',
      path: 'nodes[0].node_type',
      message: 'is required',
    });
  });

  it('checks graph and stage shapes too', () => {
    expect(
      where({
        name: 'g',
        nodes: [{ id: 'a', type: 'ai', data: { prompt: 'p' }, position: { x: '1', y: 2 } }],
        edges: [{ source: 'a' }],
        permissions: { owners: 'alice' },
      }),
    ).toEqual([
      'invalid_document @ nodes[0].position.x',
      'invalid_document @ edges[0].target',
      'invalid_document @ permissions.owners',
    ]);
    expect(where({ name: 's', type: 'zigzag', stages: [{ agent_id: 'x' }] })).toEqual([
      'invalid_document @ type',
      'invalid_document @ stages[0].id',
    ]);
    expect(where({ stages: [{ id: 'a', agent_id: 'x' }] })).toEqual(['invalid_document @ dag_id']);
  });
});

describe('graph problems', () => {
  it('reports duplicate node and edge ids', () => {
    expect(where({ dag_id: 'd', nodes: [agent('a'), agent('a')] })).toEqual([
      'duplicate_id @ nodes[1].node_id',
    ]);
    expect(
      where({
        name: 'g',
        nodes: [
          { id: 'a', type: 'ai', data: { prompt: 'p' } },
          { id: 'b', type: 'ai', data: { prompt: 'p' } },
        ],
        edges: [
          { id: 'e', source: 'a', target: 'b' },
          { id: 'e', source: 'b', target: 'a' },
        ],
      }),
    ).toEqual(['duplicate_id @ edges[1].id', 'cycle @ edges[1].source']);
  });

  it('reports unknown dependencies and edge endpoints', () => {
    expect(where({ dag_id: 'd', nodes: [agent('a'), agent('b', ['a', 'ghost'])] })).toEqual([
      'unknown_dependency @ nodes[1].dependencies[1]',
    ]);
    expect(
      where({
        name: 'g',
        nodes: [{ id: 'a', type: 'ai', data: { prompt: 'p' } }],
        edges: [
          { source: 'ghost', target: 'a' },
          { source: 'a', target: 'nowhere' },
        ],
      }),
    ).toEqual(['unknown_dependency @ edges[0].source', 'unknown_dependency @ edges[1].target']);
  });

  it('names a cycle, once per strongly connected component', () => {
    const problems = problemsOf({
      dag_id: 'd',
      nodes: [
        agent('start'),
        agent('a', ['start', 'c']),
        agent('b', ['a']),
        agent('c', ['b']),
        agent('x', ['y']),
        agent('y', ['x']),
        agent('self', ['self']),
      ],
    });
    expect(problems.filter((problem) => problem.code === 'cycle')).toEqual([
      { code: 'cycle', path: 'nodes[1].dependencies[1]', message: 'cycle: a → b → c → a' },
      { code: 'cycle', path: 'nodes[4].dependencies[0]', message: 'cycle: x → y → x' },
      { code: 'cycle', path: 'nodes[6].dependencies[0]', message: 'cycle: self → self' },
    ]);
  });

  it('names the shortest cycle through a tangle, and handles long chains', () => {
    const problems = problemsOf({
      dag_id: 'd',
      nodes: [agent('a', ['d', 'b']), agent('b', ['c']), agent('c', ['a']), agent('d', ['a'])],
    });
    expect(problems.map((problem) => problem.message)).toEqual(['cycle: a → d → a']);
    const chain = Array.from({ length: 5000 }, (_, index) =>
      agent(`n${index}`, index === 0 ? ['n4999'] : [`n${index - 1}`]),
    );
    const [cycle] = problemsOf({ dag_id: 'long', nodes: chain });
    expect(cycle!.message.split(' → ')).toHaveLength(5001);
  });

  it('reports unreachable nodes and bad start nodes', () => {
    expect(
      where({
        dag_id: 'd',
        nodes: [agent('a'), agent('b'), agent('c', ['b']), agent('d', ['a'])],
        start_nodes: ['a', 'ghost', 'd'],
      }),
    ).toEqual([
      'unreachable @ nodes[1]',
      'unreachable @ nodes[2]',
      'bad_start_node @ start_nodes[1]',
      'bad_start_node @ start_nodes[2]',
    ]);
  });

  it('reports nodes that depend on a cycle as unreachable, unless one_success lets them run', () => {
    expect(
      where({
        dag_id: 'd',
        nodes: [
          agent('a'),
          agent('x', ['y']),
          agent('y', ['x']),
          agent('after', ['a', 'x']),
          agent('either', ['a', 'x'], { trigger_rule: 'one_success' }),
        ],
      }),
    ).toEqual(['cycle @ nodes[1].dependencies[0]', 'unreachable @ nodes[3]']);
  });
});

describe('node problems', () => {
  it('reports missing agents, tools and sub-DAG ids', () => {
    expect(
      where({
        dag_id: 'd',
        nodes: [
          { node_id: 'a', node_type: 'agent' },
          { node_id: 'p', node_type: 'agent', config: { prompt: 'Write a haiku' } },
          { node_id: 't', node_type: 'tool' },
          { node_id: 's', node_type: 'sub_dag', config: {} },
        ],
      }),
    ).toEqual([
      'missing_dependency @ nodes[0].agent_id',
      'missing_dependency @ nodes[2].tool_name',
      'missing_dependency @ nodes[3].config.dag_id',
    ]);
  });

  it('reports unknown node types', () => {
    expect(problemsOf({ dag_id: 'd', nodes: [{ node_id: 'a', node_type: 'robot' }] })).toEqual([
      {
        code: 'unknown_node_type',
        path: 'nodes[0].node_type',
        message: 'unknown node type "robot"',
      },
    ]);
    expect(where({ name: 'g', nodes: [{ id: 'a', type: 'robot' }] })).toEqual([
      'unknown_node_type @ nodes[0].type',
    ]);
  });

  it('checks agents and tools, compensations included, against a registry', () => {
    const document = {
      dag_id: 'd',
      nodes: [
        { node_id: 'a', node_type: 'agent', agent_id: 'ghost_agent' },
        { node_id: 'e', node_type: 'agent', agent_id: 'echo_agent', dependencies: ['a'] },
        {
          node_id: 't',
          node_type: 'tool',
          tool_name: 'ghost_tool',
          dependencies: ['e'],
          compensate: { agent_id: 'undoer' },
        },
        {
          node_id: 'u',
          node_type: 'tool',
          tool_name: 'get_stock_price',
          dependencies: ['t'],
          compensate: { tool_name: 'unsell' },
        },
      ],
    };
    expect(parseDag(document).ok).toBe(true);
    expect(where(document, registry)).toEqual([
      'unknown_agent @ nodes[0].agent_id',
      'unknown_tool @ nodes[2].tool_name',
      'unknown_agent @ nodes[2].compensate.agent_id',
      'unknown_tool @ nodes[3].compensate.tool_name',
    ]);
  });

  it('reports bad expressions in conditions, edge conditions, decisions and templates', () => {
    expect(
      where({
        name: 'g',
        nodes: [
          {
            id: 'a',
            type: 'ai',
            data: { prompt: 'About {{ input.topic + }}', input: { list: ['ok', '{{ ( }}'] } },
          },
          {
            id: 'b',
            type: 'decision',
            condition: 'x =',
            data: { expression: '$foo(', conditions: [{ condition: 'a and', target: 'c' }] },
          },
          { id: 'c', type: 'human', data: { message: 'Approve {{ nodes.a.output' } },
        ],
        edges: [
          { source: 'a', target: 'b', condition: 'approved ==' },
          { source: 'b', target: 'c' },
        ],
      }),
    ).toEqual([
      'bad_expression @ nodes[0].data.prompt',
      'bad_expression @ nodes[0].data.input.list[1]',
      'bad_expression @ nodes[1].data.expression',
      'bad_expression @ nodes[1].data.conditions[0].condition',
      'bad_expression @ nodes[1].condition',
      'bad_expression @ nodes[2].data.message',
      'bad_expression @ edges[0].condition',
    ]);
  });

  it('reports a decision target that names no node', () => {
    expect(
      where({
        dag_id: 'd',
        nodes: [
          agent('a'),
          {
            node_id: 'b',
            node_type: 'decision',
            dependencies: ['a'],
            config: { conditions: [{ condition: 'true', target: 'ghost' }, 'x'] },
          },
        ],
      }),
    ).toEqual([
      'unknown_dependency @ nodes[1].config.conditions[0].target',
      'invalid_config @ nodes[1].config.conditions[1]',
    ]);
  });

  it('reports human node keys of the wrong shape', () => {
    const problems = problemsOf({
      dag_id: 'd',
      nodes: [
        {
          node_id: 'h',
          node_type: 'human_in_loop',
          config: {
            approvers: ['alice', { user: 'bob' }, { role: 'admin' }, { team: 'ops' }, 7],
            quorum: { mode: 'most' },
            allowSelfApproval: 'no',
            options: 'yes',
            form: ['not', 'a', 'schema'],
            editable: [1],
            timeout: { after: 'tomorrow', outcome: 'shrug' },
            onReject: 'retry',
          },
        },
      ],
    });
    expect(problems.map((problem) => `${problem.code} @ ${problem.path}`)).toEqual([
      'invalid_config @ nodes[0].config.approvers[3]',
      'invalid_config @ nodes[0].config.approvers[4]',
      'invalid_config @ nodes[0].config.quorum.mode',
      'invalid_config @ nodes[0].config.allowSelfApproval',
      'invalid_config @ nodes[0].config.options',
      'invalid_config @ nodes[0].config.form',
      'invalid_config @ nodes[0].config.editable[0]',
      'invalid_config @ nodes[0].config.onReject',
      'invalid_config @ nodes[0].config.timeout.after',
      'invalid_config @ nodes[0].config.timeout.outcome',
    ]);
  });

  it('checks quorum counts', () => {
    const human = (config: object) => ({
      dag_id: 'd',
      nodes: [{ node_id: 'h', node_type: 'human', config }],
    });
    expect(where(human({ quorum: { mode: 'count' } }))).toEqual([
      'invalid_config @ nodes[0].config.quorum.count',
    ]);
    expect(where(human({ quorum: { mode: 'count', count: 0 } }))).toEqual([
      'invalid_config @ nodes[0].config.quorum.count',
    ]);
    expect(
      where(human({ approvers: ['a', { user: 'b' }], quorum: { mode: 'count', count: 3 } })),
    ).toEqual(['invalid_config @ nodes[0].config.quorum.count']);
    expect(
      parseDag(human({ approvers: ['a', { role: 'ops' }], quorum: { mode: 'count', count: 3 } }))
        .ok,
    ).toBe(true);
    expect(parseDag(human({ timeout: 'PT1H' })).ok).toBe(true);
    expect(where(human({ timeout: { outcome: 'reject', extra: 1 } }))).toEqual([
      'invalid_config @ nodes[0].config.timeout.after',
      'invalid_config @ nodes[0].config.timeout.extra',
    ]);
  });

  it('checks timers', () => {
    const timer = (config: object) => ({
      dag_id: 'd',
      nodes: [{ node_id: 't', node_type: 'timer', config }],
    });
    for (const config of [
      { duration: 'PT5M' },
      { delayMs: 10 },
      { until: '2030-01-31T09:00:00Z' },
      { until: '{{ input.when }}' },
    ]) {
      expect(parseDag(timer(config)).ok).toBe(true);
    }
    expect(where(timer({}))).toEqual(['invalid_config @ nodes[0].config']);
    expect(where(timer({ duration: 'PT1M', delayMs: 5 }))).toEqual([
      'invalid_config @ nodes[0].config',
    ]);
    expect(where(timer({ duration: '5 minutes' }))).toEqual([
      'invalid_config @ nodes[0].config.duration',
    ]);
    expect(where(timer({ delayMs: -5 }))).toEqual(['invalid_config @ nodes[0].config.delayMs']);
    expect(where(timer({ until: 'next tuesday' }))).toEqual([
      'invalid_config @ nodes[0].config.until',
    ]);
    expect(where(timer({ until: '{{ input. }}' }))).toEqual([
      'bad_expression @ nodes[0].config.until',
    ]);
  });

  it('checks trigger rules, retries, timeouts, compensations and settings', () => {
    expect(
      where({
        dag_id: 'd',
        nodes: [
          agent('a', [], {
            trigger_rule: 'whenever',
            retry: { maxRetries: -1, backoffMs: -5 },
            timeout: 'soon',
          }),
          agent('b', ['a'], { retries: 1.5, compensate: {}, config: { timeoutMs: -1 } }),
        ],
        settings: { timeout: 'PT1X', maxRetries: -1, concurrency: 0 },
      }),
    ).toEqual([
      'invalid_config @ nodes[0].trigger_rule',
      'invalid_config @ nodes[0].retry.maxRetries',
      'invalid_config @ nodes[0].retry.backoffMs',
      'invalid_config @ nodes[0].timeout',
      'invalid_config @ nodes[1].retries',
      'invalid_config @ nodes[1].config.timeoutMs',
      'invalid_config @ nodes[1].compensate',
      'invalid_config @ settings.timeout',
      'invalid_config @ settings.maxRetries',
      'invalid_config @ settings.concurrency',
    ]);
  });

  it('points into stages, their input and their approval', () => {
    expect(
      where({
        name: 's',
        stages: [
          { id: 'a', input: { q: '{{ input. }}' }, agent_id: 'x' },
          { id: 'b', agent_id: 'x', approval: { quorum: { mode: 'count' }, message: '{{ ) }}' } },
          { id: 'a_approval', agent_id: 'x' },
          { id: 'c', type: 'spaceship' },
        ],
      }),
    ).toEqual([
      'bad_expression @ stages[0].input.q',
      'invalid_config @ stages[1].approval.quorum.count',
      'bad_expression @ stages[1].approval.message',
      'unknown_node_type @ stages[3].type',
    ]);
  });
});

describe('every problem at once', () => {
  it('reports all codes of a badly broken DAG together', () => {
    const problems = problemsOf(
      {
        dag_id: 'broken',
        nodes: [
          agent('a', ['c']),
          { node_id: 'b', node_type: 'tool', dependencies: ['a', 'ghost'] },
          agent('c', ['b']),
          { node_id: 'a', node_type: 'teleporter' },
          {
            node_id: 'h',
            node_type: 'human',
            condition: 'a +',
            config: { quorum: { mode: 'sometimes' } },
          },
          { node_id: 'u', node_type: 'agent', agent_id: 'stranger', dependencies: ['h'] },
          { node_id: 'v', node_type: 'tool', tool_name: 'nope', dependencies: 7 },
        ],
        start_nodes: ['h', 'missing'],
      },
      registry,
    );
    const codes = new Set(problems.map((problem) => problem.code));
    const expected: DagProblemCode[] = [
      'invalid_document',
      'duplicate_id',
      'unknown_dependency',
      'missing_dependency',
      'cycle',
      'unknown_node_type',
      'unknown_agent',
      'unknown_tool',
      'unreachable',
      'bad_expression',
      'bad_start_node',
      'invalid_config',
    ];
    expect([...codes].sort()).toEqual([...expected].sort());
    expect(problems).toContainEqual({
      code: 'cycle',
      path: 'nodes[0].dependencies[0]',
      message: 'cycle: a → b → c → a',
    });
    expect(problems).toContainEqual(
      expect.objectContaining({ code: 'unreachable', path: 'nodes[6]' }),
    );
  });
});
