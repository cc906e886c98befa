/**
 * `POST /api/dags/import`: a DAG document's text (JSON or YAML) in each seed format read into an object with its
 * format, id, steps and problems, without storing anything; text that does not parse is a 400 saying where.
 * Both dialects.
 */
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startApiApp, type ApiApp } from '../helpers/api-app.js';
import { DIALECTS } from '../helpers/dialects.js';
import { startTestFlowgate, type TestFlowgate } from '../helpers/flowgate.js';

/** Seed 003's stages, in YAML: two stages one after the other, the second behind an approval. */
const STAGES_YAML = [
  'id: nightly_digest',
  'name: Nightly digest',
  'type: sequential',
  'stages:',
  '  - id: gather',
  '    agent_id: echo_agent',
  '    input: { topic: news }',
  '  - id: send',
  '    agent_id: echo_agent',
  '    approval:',
  '      message: Send the digest?',
  '      approvers: [{ role: admin }]',
].join('\n');

/** Seed 004's graph, in JSON. */
const GRAPH_JSON = JSON.stringify({
  dag_id: 'graph_import',
  nodes: [
    { id: 'draft', type: 'ai', data: { agent_id: 'echo_agent' } },
    { id: 'check', type: 'human', data: { message: 'Fine?' } },
  ],
  edges: [{ source: 'draft', target: 'check' }],
});

/** Seed 000's plan with a cycle. */
const CYCLIC_PLAN = JSON.stringify({
  dag_id: 'loop',
  nodes: [
    { node_id: 'a', node_type: 'agent', agent_id: 'echo_agent', dependencies: ['b'] },
    { node_id: 'b', node_type: 'agent', agent_id: 'echo_agent', dependencies: ['a'] },
  ],
});

interface ImportBody {
  format: string | null;
  dagId: string | null;
  document: Record<string, unknown>;
  valid: boolean;
  problems: { code: string; path: string; message: string }[];
  plan: { document: Record<string, unknown>; lost: string[] } | null;
  nodes: { id: string; type: string; dependencies: string[] }[];
}

for (const dialect of DIALECTS) {
  describe(`${dialect}: POST /api/dags/import`, () => {
    let t: TestFlowgate;
    let api: ApiApp;

    const post = (
      payload: Record<string, unknown>,
      auth = true,
    ): Promise<LightMyRequestResponse> =>
      auth
        ? api.call('alice', 'POST', '/api/dags/import', payload)
        : api.app.inject({ method: 'POST', url: '/api/dags/import', payload });

    beforeAll(async () => {
      t = await startTestFlowgate(dialect, { workers: false });
      api = await startApiApp(t.flowgate, { alice: 'user' });
    });

    afterAll(async () => {
      await api?.close();
      await t?.close();
    });

    it('reads seed 003 stages written in YAML, and stores nothing', async () => {
      const response = await post({ text: STAGES_YAML });
      expect(response.statusCode, response.body).toBe(200);
      const body = response.json<ImportBody>();
      expect(body).toMatchObject({ format: 'stages', dagId: 'nightly_digest', valid: true });
      expect(body.problems).toEqual([]);
      expect(body.document).toMatchObject({ id: 'nightly_digest', stages: [{ id: 'gather' }, {}] });
      const ids = body.nodes.map((n) => n.id);
      expect(ids).toContain('gather');
      expect(ids).toContain('send');
      // The approval is a step of its own between the two stages, or send waits on gather: either way it follows.
      const send = body.nodes.find((n) => n.id === 'send')!;
      expect(send.dependencies.length).toBe(1);
      // Written as a plan, it reads back as the same steps.
      expect(body.plan?.lost).toEqual([]);
      const again = (await post({ text: JSON.stringify(body.plan!.document) })).json<ImportBody>();
      expect(again).toMatchObject({ format: 'plan', dagId: 'nightly_digest', valid: true });
      expect(again.nodes.map((n) => [n.id, n.dependencies])).toEqual(
        body.nodes.map((n) => [n.id, n.dependencies]),
      );
      const stored = await api.call('alice', 'GET', '/api/dags/nightly_digest');
      expect(stored.statusCode).toBe(404);
    });

    it('reads a seed 004 graph in JSON', async () => {
      const body = (await post({ text: GRAPH_JSON, format: 'json' })).json<ImportBody>();
      expect(body).toMatchObject({ format: 'graph', dagId: 'graph_import', valid: true });
      expect(body.nodes).toEqual([
        { id: 'draft', type: 'ai', dependencies: [] },
        { id: 'check', type: 'human', dependencies: ['draft'] },
      ]);
    });

    it('lists the problems of an invalid document, placed by path', async () => {
      const response = await post({ text: CYCLIC_PLAN });
      expect(response.statusCode, response.body).toBe(200);
      const body = response.json<ImportBody>();
      expect(body).toMatchObject({
        format: 'plan',
        dagId: 'loop',
        valid: false,
        nodes: [],
        plan: null,
      });
      expect(body.problems.length).toBeGreaterThan(0);
      expect(body.problems.map((p) => p.message).join(' ')).toMatch(/cycle/);
      expect(body.problems.every((p) => /^nodes\[\d\]/.test(p.path))).toBe(true);
    });

    it('refuses text that does not parse, a list, and the unsigned', async () => {
      const yaml = await post({
        text: 'id: x\nstages:\n  - id: a\n   bad: indent',
        format: 'yaml',
      });
      expect(yaml.statusCode, yaml.body).toBe(400);
      expect(yaml.json<{ error: { message: string } }>().error.message).toMatch(/line \d+/i);
      const json = await post({ text: '{"dag_id": "x",', format: 'json' });
      expect(json.statusCode).toBe(400);
      expect(json.json<{ error: { message: string } }>().error.message).toMatch(/Invalid JSON/);
      const list = await post({ text: '- a\n- b' });
      expect(list.statusCode).toBe(400);
      expect(list.json<{ error: { message: string } }>().error.message).toMatch(/object/);
      expect((await post({ text: '' })).statusCode).toBe(400);
      expect((await post({ text: GRAPH_JSON }, false)).statusCode).toBe(401);
    });
  });
}
