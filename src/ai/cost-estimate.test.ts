import { describe, expect, it } from 'vitest';

import { parseDag, type DagDefinition } from '../definition/index.js';
import { estimateDagCost } from './cost-estimate.js';
import { PriceBook } from './pricing.js';

function dag(nodes: unknown[], settings?: object): DagDefinition {
  const parsed = parseDag({ dag_id: 'd', nodes, edges: [], ...(settings ? { settings } : {}) });
  if (!parsed.ok) throw new Error(JSON.stringify(parsed.problems));
  return parsed.dag;
}

const book = new PriceBook({ 'openai:gpt-4o-mini': { input: 1, output: 4 } });

describe('estimateDagCost', () => {
  it('prices one call of a node without tools: prompt and system text at 4 characters a token, maxOutputTokens out', () => {
    const estimate = estimateDagCost(
      dag([
        {
          id: 'ask',
          type: 'ai',
          data: {
            prompt: 'x'.repeat(400),
            system: 'y'.repeat(40),
            model: 'gpt-4o-mini',
            maxOutputTokens: 50,
          },
        },
      ]),
      book,
    );
    expect(estimate.nodes).toEqual([
      expect.objectContaining({ nodeId: 'ask', calls: 1, inputTokens: 110, outputTokens: 50 }),
    ]);
    expect(estimate.costUsd).toBeCloseTo((110 * 1 + 50 * 4) / 1e6, 15);
  });

  it('assumes maxSteps calls for a tool loop, each resending the earlier answers, 1,000 output tokens by default', () => {
    const estimate = estimateDagCost(
      dag([
        {
          id: 'loop',
          type: 'ai',
          data: { prompt: 'abcd', model: 'gpt-4o-mini', tools: ['search'], maxSteps: 4 },
        },
      ]),
      book,
    );
    // Inputs 1, 1 001, 2 001, 3 001; outputs 4 x 1 000.
    expect(estimate.nodes[0]).toMatchObject({ calls: 4, inputTokens: 6004, outputTokens: 4000 });
    expect(estimate.costUsd).toBeCloseTo((6004 + 4000 * 4) / 1e6, 15);
  });

  it('counts what every call carries besides the prompt: the tool definitions and the output schema', () => {
    const output = { type: 'object', properties: { ok: { type: 'boolean' } } };
    const estimate = estimateDagCost(
      dag([
        {
          id: 'ask',
          type: 'ai',
          data: { prompt: 'abcd', model: 'gpt-4o-mini', tools: ['a', 'b'], maxSteps: 1, output },
        },
      ]),
      book,
      { toolDefinitionChars: (name) => (name === 'a' ? 100 : 20) },
    );
    const chars = 4 + 100 + 20 + JSON.stringify(output).length;
    expect(estimate.nodes[0]).toMatchObject({ calls: 1, inputTokens: Math.ceil(chars / 4) });
    expect(estimate.nodes[0]!.basis).toContain('tool definitions and output schema');
  });

  it('lists a model nobody prices apart, null and never 0; null in total when no node is priced', () => {
    const one = estimateDagCost(
      dag([
        {
          id: 'local',
          type: 'ai',
          data: { prompt: 'hi', provider: 'openai-compatible', model: 'llama3.2' },
        },
      ]),
      book,
    );
    expect(one).toMatchObject({ costUsd: null, unpricedNodes: ['local'] });
    expect(one.nodes[0]!.costUsd).toBeNull();
    const mixed = estimateDagCost(
      dag([
        {
          id: 'local',
          type: 'ai',
          data: { prompt: 'hi', provider: 'openai-compatible', model: 'llama3.2' },
        },
        {
          id: 'paid',
          type: 'ai',
          data: { prompt: 'hi', model: 'gpt-4o-mini', maxOutputTokens: 10 },
        },
      ]),
      book,
    );
    expect(mixed.unpricedNodes).toEqual(['local']);
    expect(mixed.costUsd).toBeCloseTo((1 + 40) / 1e6, 15);
  });

  it("costs nothing without AI nodes, and reports the DAG's budget", () => {
    const estimate = estimateDagCost(
      dag([{ id: 't', type: 'tool', data: { tool: 'x' } }], { aiBudget: { usd: 2 } }),
      book,
    );
    expect(estimate).toEqual({ nodes: [], costUsd: 0, unpricedNodes: [], budgetUsd: 2 });
  });
});
