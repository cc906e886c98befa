import { describe, expect, it } from 'vitest';

import {
  evaluateCondition,
  evaluateExpression,
  expressionProblem,
  type ExpressionScope,
} from './expressions.js';

const scope: ExpressionScope = {
  input: { symbol: 'AAPL', limit: 5, tags: ['a', 'b'] },
  nodes: {
    fetch: { output: { price: 123, items: [{ v: 1 }, { v: 2 }, { v: 3 }] }, status: 'completed' },
    review: { output: { approved: false, response: '' }, status: 'completed' },
  },
  workflow: { workflowId: 'wf-1', dagId: 'demo', version: 2 },
};

describe('expressionProblem', () => {
  it('accepts valid JSONata', () => {
    expect(
      expressionProblem('nodes.fetch.output.price > 100 and input.symbol = "AAPL"'),
    ).toBeUndefined();
    expect(expressionProblem('$count(nodes.fetch.output.items)')).toBeUndefined();
  });

  it('names the problem and its position', () => {
    expect(expressionProblem('a +')).toMatch(/end of expression.*character 3/);
    expect(expressionProblem('"open')).toMatch(/quote/);
    expect(expressionProblem('')).toBe('the expression is empty');
    expect(expressionProblem(42 as unknown as string)).toMatch(/string/);
  });
});

describe('evaluateExpression', () => {
  it('reads the scope', async () => {
    expect(await evaluateExpression('nodes.fetch.output.price * 2', scope)).toBe(246);
    expect(await evaluateExpression('workflow.dagId & "@" & workflow.version', scope)).toBe(
      'demo@2',
    );
    expect(await evaluateExpression('nodes.missing.output', scope)).toBeUndefined();
  });

  it('binds $input, $nodes and $workflow for nested contexts', async () => {
    expect(
      await evaluateExpression('nodes.fetch.output.items[v < $input.limit - 2].v', scope),
    ).toEqual([1, 2]);
    expect(await evaluateExpression('$workflow.workflowId', scope)).toBe('wf-1');
  });

  it('returns plain arrays, without JSONata sequence flags', async () => {
    const value = await evaluateExpression('nodes.fetch.output.items.v', scope);
    expect(Object.keys(value as object)).toEqual(['0', '1', '2']);
    const nested = (await evaluateExpression('{"vs": nodes.fetch.output.items.v}', scope)) as {
      vs: number[];
    };
    expect(Object.keys(nested.vs)).toEqual(['0', '1', '2']);
  });

  it('returns input data as the same reference when nothing needed cleaning', async () => {
    expect(await evaluateExpression('input', scope)).toBe(scope.input);
  });

  it('turns syntax and runtime errors into BAD_REQUEST', async () => {
    await expect(evaluateExpression('a +', scope)).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    await expect(evaluateExpression('$number("x")', scope)).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      message: expect.stringContaining('failed'),
    });
  });

  it('stops a runaway expression', async () => {
    await expect(
      evaluateExpression('($deep := function($n) { 1 + $deep($n + 1) }; $deep(0))', scope),
    ).rejects.toMatchObject({ code: 'BAD_REQUEST', details: { code: 'D1011' } });
  });

  it('does not let scope fields shadow built-in functions', async () => {
    expect(await evaluateExpression('$count(items)', { ...scope, items: [1, 2], count: 7 })).toBe(
      2,
    );
  });
});

describe('evaluateCondition', () => {
  it('reads the source output merged at the top', async () => {
    expect(await evaluateCondition('approved', { ...scope, approved: true })).toBe(true);
    expect(await evaluateCondition('approved', { ...scope, approved: false })).toBe(false);
    expect(await evaluateCondition('approved', scope)).toBe(false);
  });

  it.each([
    ['""', false],
    ['"x"', true],
    ['0', false],
    ['3', true],
    ['null', false],
    ['[]', false],
    ['[0]', false],
    ['[0, 1]', true],
    ['{}', false],
    ['{"a": 1}', true],
    ['function($x) { $x }', false],
    ['nodes.fetch.output.price > 100', true],
    ['nodes.review.output.approved', false],
    ['input.symbol in ["AAPL", "MSFT"]', true],
  ])('%s is %s', async (expression, expected) => {
    expect(await evaluateCondition(expression, scope)).toBe(expected);
  });
});
