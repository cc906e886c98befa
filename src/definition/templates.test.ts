import { describe, expect, it } from 'vitest';

import {
  findTemplateProblems,
  hasTemplates,
  renderTemplates,
  unwrapTemplate,
} from './templates.js';

const scope = {
  input: { symbol: 'AAPL', limit: 5, flag: true },
  nodes: {
    fetch: { output: { price: 123.5, rows: [{ id: 1 }, { id: 2 }] }, status: 'completed' },
  },
  workflow: { workflowId: 'wf-1', dagId: 'demo', version: 1 },
};

describe('renderTemplates', () => {
  it('keeps the type of a string that is one template', async () => {
    expect(await renderTemplates('{{ input.limit }}', scope)).toBe(5);
    expect(await renderTemplates('{{input.flag}}', scope)).toBe(true);
    expect(await renderTemplates('{{ nodes.fetch.output.rows }}', scope)).toEqual([
      { id: 1 },
      { id: 2 },
    ]);
    expect(await renderTemplates('{{ nodes.fetch.output }}', scope)).toEqual(
      scope.nodes.fetch.output,
    );
    expect(await renderTemplates('{{ input.nothing }}', scope)).toBeUndefined();
  });

  it('stringifies templates mixed with text', async () => {
    expect(
      await renderTemplates('Price of {{ input.symbol }}: {{ nodes.fetch.output.price }}', scope),
    ).toBe('Price of AAPL: 123.5');
    expect(await renderTemplates('rows={{ nodes.fetch.output.rows }}', scope)).toBe(
      'rows=[{"id":1},{"id":2}]',
    );
    expect(await renderTemplates('[{{ input.nothing }}] {{ input.flag }}', scope)).toBe('[] true');
    expect(await renderTemplates(' {{ input.limit }}', scope)).toBe(' 5');
  });

  it('renders deeply and leaves untemplated parts as the same references', async () => {
    const untouched = { keep: ['a', 1, null] };
    const value = {
      input: { symbol: '{{ input.symbol }}', size: '{{ input.limit * 2 }}' },
      list: ['{{ workflow.dagId }}', 'plain', 3],
      untouched,
      when: new Date(0),
    };
    const rendered = (await renderTemplates(value, scope)) as typeof value;
    expect(rendered).toEqual({
      input: { symbol: 'AAPL', size: 10 },
      list: ['demo', 'plain', 3],
      untouched,
      when: new Date(0),
    });
    expect(rendered.untouched).toBe(untouched);
    expect(value.input.symbol).toBe('{{ input.symbol }}');
    const plain = { a: [1, { b: 'text' }] };
    expect(await renderTemplates(plain, scope)).toBe(plain);
  });

  it('finds the end of a template past JSONata braces and strings', async () => {
    expect(await renderTemplates('{{ {"a": {"b": input.limit}} }}', scope)).toEqual({
      a: { b: 5 },
    });
    expect(await renderTemplates('{{ "}}" & input.symbol }}!', scope)).toBe('}}AAPL!');
    expect(await renderTemplates('{{ /* }} */ input.limit }}', scope)).toBe(5);
  });

  it('leaves an unclosed template as text', async () => {
    expect(await renderTemplates('a {{ b', scope)).toBe('a {{ b');
  });

  it('fails on a bad expression', async () => {
    await expect(renderTemplates({ x: 'v: {{ a + }}' }, scope)).rejects.toMatchObject({
      code: 'BAD_REQUEST',
    });
  });
});

describe('hasTemplates', () => {
  it('finds templates anywhere', () => {
    expect(hasTemplates('{{ x }}')).toBe(true);
    expect(hasTemplates({ a: [{ b: 'hi {{ x }}' }] })).toBe(true);
    expect(hasTemplates({ a: [{ b: 'hi { x }' }], n: 1, z: null })).toBe(false);
    expect(hasTemplates('only {{ opened')).toBe(false);
    expect(hasTemplates(42)).toBe(false);
  });
});

describe('findTemplateProblems', () => {
  it('reports bad, empty and unclosed templates with their paths', () => {
    const problems = findTemplateProblems({
      a: 'ok {{ x }}',
      b: ['{{ x + }}'],
      c: { d: '{{ }}', e: 'x {{ y' },
    });
    expect(problems.map((problem) => problem.path)).toEqual([
      ['b', 0],
      ['c', 'd'],
      ['c', 'e'],
    ]);
    expect(problems[1]!.message).toMatch(/empty/);
    expect(problems[2]!.message).toMatch(/no closing/);
  });
});

describe('unwrapTemplate', () => {
  it('takes a condition written as one template as its expression', () => {
    expect(unwrapTemplate('{{ approved }}')).toBe('approved');
    expect(unwrapTemplate('approved and {{ x }}')).toBe('approved and {{ x }}');
    expect(unwrapTemplate('a = 1')).toBe('a = 1');
  });
});
