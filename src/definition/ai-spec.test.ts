import { describe, expect, it } from 'vitest';

import { readAiSpec } from './ai-spec.js';
import { parseDag } from './parse-dag.js';

const registry = { hasAgent: () => false, hasTool: (name: string) => name === 'search' };

function problemsOf(data: Record<string, unknown>) {
  const result = parseDag(
    { dag_id: 'd', nodes: [{ id: 'a', type: 'ai', data }], edges: [] },
    { registry },
  );
  return result.ok ? [] : result.problems.map((p) => `${p.code} @ ${p.path}: ${p.message}`);
}

describe('AI node config', () => {
  it('fills in the provider and model a seed 004 node leaves out', () => {
    expect(readAiSpec({ prompt: 'Hi' }).spec).toMatchObject({
      provider: 'openai',
      model: 'gpt-4o-mini',
      tools: [],
      maxSteps: 10,
    });
    expect(readAiSpec({ prompt: 'Hi', provider: 'gemini' }).spec?.model).toBe('gemini-2.5-flash');
  });

  it('accepts a full config', () => {
    expect(
      problemsOf({
        prompt: 'Find {{ input.q }}',
        system: 'Be brief',
        provider: 'groq',
        model: 'llama-3.3-70b-versatile',
        tools: ['search'],
        output: { type: 'object', properties: { answer: { type: 'string' } } },
        maxSteps: 5,
        temperature: 0.2,
        maxOutputTokens: 500,
      }),
    ).toEqual([]);
  });

  it('reports every problem with its path, naming the valid choices', () => {
    expect(
      problemsOf({
        prompt: 'x',
        provider: 'anthropic',
        tools: ['search', 'nope', 3],
        output: { type: 'string' },
        maxSteps: 0,
        temperature: 9,
        approveTools: ['search', 'other'],
        approval: { quorum: { mode: 'most' } },
        maxToolApprovals: 0,
      }),
    ).toEqual([
      'unknown_tool @ nodes[0].data.tools[1]: no tool "nope" is registered (tools of AI node "a")',
      'invalid_config @ nodes[0].data.provider: unknown provider "anthropic" (expected one of openai, openai-compatible, gemini, groq, perplexity)',
      'invalid_config @ nodes[0].data.model: must be a model name, e.g. "gpt-4o-mini" or "gemini-2.5-flash"',
      'invalid_config @ nodes[0].data.tools[2]: must be the name of a registered tool',
      'invalid_config @ nodes[0].data.output: a structured answer is an object: the schema\'s type must be "object"',
      'invalid_config @ nodes[0].data.maxSteps: must be a whole number from 1 to 100',
      'invalid_config @ nodes[0].data.temperature: must be a number from 0 to 2',
      'invalid_config @ nodes[0].data.approveTools[1]: "other" is not among the node\'s tools (search, nope)',
      'invalid_config @ nodes[0].data.approval.quorum.mode: Invalid option: expected one of "any"|"all"|"count"',
      'invalid_config @ nodes[0].data.maxToolApprovals: must be a whole number from 1 to 1000',
    ]);
  });

  it('gates tools by name or by a condition over the call', () => {
    expect(
      problemsOf({
        prompt: 'x',
        tools: ['search'],
        approveTools: { search: 'amount >', lookup: true },
      }),
    ).toEqual([
      'invalid_config @ nodes[0].data.approveTools.search: invalid condition: Unexpected end of expression (at character 8)',
      'invalid_config @ nodes[0].data.approveTools.lookup: "lookup" is not among the node\'s tools (search)',
    ]);
    expect(
      problemsOf({
        prompt: 'x',
        tools: ['search'],
        approveTools: { search: 'query = "secret"' },
        approval: { approvers: ['alice'], timeout: { after: 'PT1H', outcome: 'reject' } },
      }),
    ).toEqual([]);
  });

  it('needs a model for an openai-compatible server', () => {
    expect(problemsOf({ prompt: 'x', provider: 'openai-compatible' })).toEqual([
      'invalid_config @ nodes[0].data.model: an openai-compatible node names its model, as the server knows it (e.g. "llama3.2")',
    ]);
  });
});
