import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { FlowgateError } from '../shared/errors.js';
import { parseDagText } from './parse-dag-text.js';
import { readDagFile } from './read-dag-file.js';

function thrown(action: () => unknown): FlowgateError {
  try {
    action();
  } catch (error) {
    if (error instanceof FlowgateError) return error;
    throw error;
  }
  throw new Error('expected a FlowgateError');
}

describe('parseDagText', () => {
  it('reads JSON and YAML without a hint', () => {
    expect(parseDagText('{"dag_id": "a", "nodes": []}')).toEqual({ dag_id: 'a', nodes: [] });
    expect(parseDagText('dag_id: a\nnodes:\n  - node_id: x\n')).toEqual({
      dag_id: 'a',
      nodes: [{ node_id: 'x' }],
    });
  });

  it('keeps timestamps and yes/no as strings (YAML 1.2 core schema)', () => {
    expect(parseDagText('until: 2030-01-01T00:00:00Z\nanswer: yes\n', 'yaml')).toEqual({
      until: '2030-01-01T00:00:00Z',
      answer: 'yes',
    });
  });

  it('reports a JSON syntax error with its line and column', () => {
    const error = thrown(() => parseDagText('{\n  "dag_id": "a",\n  "nodes": [,]\n}', 'json'));
    expect(error.code).toBe('BAD_REQUEST');
    expect(error.message).toMatch(/^Invalid JSON at line 3, column 13: /);
  });

  it('reports the JSON error for text that opens like JSON and is no YAML either', () => {
    const error = thrown(() => parseDagText('{"dag_id": "a" "nodes": []}'));
    expect(error.message).toMatch(/^Invalid JSON/);
  });

  it('reports a YAML syntax error with its line', () => {
    const error = thrown(() => parseDagText('dag_id: a\nnodes: [1,\n b: 2\n'));
    expect(error.code).toBe('BAD_REQUEST');
    expect(error.message).toMatch(/^Invalid YAML: .*line \d+, column \d+/);
    expect(error.details).toEqual(expect.arrayContaining([expect.objectContaining({ line: 4 })]));
  });

  it('refuses duplicate keys, alias bombs and empty text', () => {
    expect(() => parseDagText('a: 1\na: 2\n', 'yaml')).toThrow(/Invalid YAML/);
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let level = 1; level < 8; level++) {
      const previous = String.fromCharCode(96 + level);
      const name = String.fromCharCode(97 + level);
      bomb.push(`${name}: &${name} [${Array(10).fill(`*${previous}`).join(', ')}]`);
    }
    expect(() => parseDagText(bomb.join('\n'), 'yaml')).toThrow(/Invalid YAML/);
    expect(() => parseDagText('  \n')).toThrow(/empty/);
  });
});

describe('readDagFile', () => {
  let directory: string;
  beforeAll(async () => {
    directory = await mkdtemp(join(tmpdir(), 'flowgate-dag-'));
  });
  afterAll(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it('picks the parser by extension', async () => {
    await writeFile(join(directory, 'a.yml'), 'dag_id: a\n');
    await writeFile(join(directory, 'b.json'), '{"dag_id": "b"}');
    await writeFile(join(directory, 'c.dag'), 'dag_id: c\n');
    await expect(readDagFile(join(directory, 'a.yml'))).resolves.toEqual({ dag_id: 'a' });
    await expect(readDagFile(join(directory, 'b.json'))).resolves.toEqual({ dag_id: 'b' });
    await expect(readDagFile(join(directory, 'c.dag'))).resolves.toEqual({ dag_id: 'c' });
  });

  it('names the file in syntax errors, and answers NOT_FOUND for a missing one', async () => {
    const path = join(directory, 'bad.json');
    await writeFile(path, 'dag_id: a');
    await expect(readDagFile(path)).rejects.toMatchObject({
      code: 'BAD_REQUEST',
      message: expect.stringContaining(`${path}: Invalid JSON`),
    });
    await expect(readDagFile(join(directory, 'none.json'))).rejects.toMatchObject({
      code: 'NOT_FOUND',
    });
  });
});
