/**
 * `POST /api/dags/import`: a DAG document's text (JSON or YAML) in each seed format read into an object with its
 * format, id, steps and problems, without storing anything; text that does not parse is a 400 saying where.
 * Both dialects.
 */
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { AuthService } from '../../src/auth/auth-service.js';
import { buildServer, type FlowgateServer } from '../../src/http/build-server.js';
import { systemClock } from '../../src/shared/clock.js';
import { DIALECTS } from '../helpers/dialects.js';
import { startTestFlowgate, type TestFlowgate } from '../helpers/flowgate.js';

const SECRET = 'a-test-secret-of-at-least-32-characters!';
const PASSWORD = 'p4ssword-long-enough';

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
    let app: FlowgateServer;
    let token = '';

    const post = (payload: Record<string, unknown>, auth = true): Promise<LightMyRequestResponse> =>
      app.inject({
        method: 'POST',
        url: '/api/dags/import',
        headers: auth ? { authorization: `Bearer ${token}` } : {},
        payload,
      });

    beforeAll(async () => {
      t = await startTestFlowgate(dialect, { workers: false });
      const auth = new AuthService({
        store: t.flowgate.store,
        clock: systemClock,
        jwtSecret: SECRET,
      });
      await auth.createUser({ username: 'alice', password: PASSWORD, role: 'user' });
      app = buildServer({
        flowgate: t.flowgate,
        auth,
        loginRateLimit: { max: 1000, timeWindowMs: 60_000 },
      });
      await app.ready();
      const login = await app.inject({
        method: 'POST',
        url: '/api/auth/login',
        payload: { username: 'alice', password: PASSWORD },
      });
      token = login.json<{ accessToken: string }>().accessToken;
    });

    afterAll(async () => {
      await app?.close();
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
      const stored = await app.inject({
        method: 'GET',
        url: '/api/dags/nightly_digest',
        headers: { authorization: `Bearer ${token}` },
      });
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
