/**
 * `flowgate hitl` against a running server: a real Flowgate HTTP server in this process (with its
 * workers), and the real CLI as a child process that talks to it with an API key. SQLite only: the
 * CLI never touches the database here, and the server's routes run on both dialects in test/http.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { AuthService } from '../../src/auth/auth-service.js';
import { buildServer, type FlowgateServer } from '../../src/http/build-server.js';
import { systemClock } from '../../src/shared/clock.js';
import { plan, startTestFlowgate, type TestFlowgate } from '../helpers/flowgate.js';
import { freePort } from '../helpers/free-port.js';
import { killAllCli, runCli, startCli } from './cli-process.js';

const SECRET = 'a-test-secret-of-at-least-32-characters!';
const PASSWORD = 'p4ssword-long-enough';
const WAIT_MS = 10_000;

/** prepare → approval (by appr) → pay; stored without permissions, so everyone may see it. */
const GATED = plan('cli_server_gate', [
  { id: 'prepare', agent: 'echo_agent', config: { input: { amount: 120 } } },
  {
    id: 'approval',
    type: 'human_in_loop',
    deps: ['prepare'],
    config: { message: 'Pay {{ nodes.prepare.output.amount }}?', approvers: [{ user: 'appr' }] },
  },
  { id: 'pay', deps: ['approval'], config: { input: '{{ nodes.approval.output }}' } },
]);

/** A question with a form: answered with `respond`. */
const FORM = plan('cli_server_form', [
  {
    id: 'ask',
    type: 'human_in_loop',
    config: {
      message: 'How much?',
      approvers: [{ user: 'appr' }],
      form: {
        type: 'object',
        properties: { amount: { type: 'number' } },
        required: ['amount'],
      },
    },
  },
]);

describe('flowgate hitl --server (a running server, an API key)', () => {
  let t: TestFlowgate;
  let server: FlowgateServer;
  let url: string;
  const keys = new Map<string, string>();

  /** The CLI with the server and a user's key in its environment, as the README advises. */
  const hitl = (args: readonly string[], key: string, env: Record<string, string> = {}) =>
    runCli(['hitl', ...args], {
      env: { FLOWGATE_SERVER_URL: url, FLOWGATE_API_KEY: key, ...env },
    });

  const gatedRun = async (dagId = 'cli_server_gate') => {
    const { workflowId } = await t.flowgate.start(dagId, { startedBy: 'alice' });
    await t.flowgate.waitFor(workflowId, { until: ['paused'], timeoutMs: WAIT_MS });
    const { items } = await t.flowgate.listHitl({ workflowId });
    return { workflowId, requestId: items[0]!.requestId };
  };

  beforeAll(async () => {
    t = await startTestFlowgate('sqlite');
    const auth = new AuthService({
      store: t.flowgate.store,
      clock: systemClock,
      jwtSecret: SECRET,
    });
    for (const username of ['alice', 'appr', 'olly']) {
      const user = await auth.createUser({ username, password: PASSWORD, role: 'user' });
      keys.set(username, (await auth.createApiKey(user.userId, 'cli')).key);
    }
    await t.flowgate.putDag(GATED, { createdBy: 'alice' });
    await t.flowgate.putDag(FORM, { createdBy: 'alice' });
    server = buildServer({ flowgate: t.flowgate, auth });
    await server.listen({ host: '127.0.0.1', port: 0 });
    const address = server.server.address();
    if (address === null || typeof address === 'string') throw new Error('no address');
    url = `http://127.0.0.1:${address.port}`;
  });
  afterEach(killAllCli);
  afterAll(async () => {
    await server?.close();
    await t?.close();
  });

  it('list shows the pending request, as a table and as JSON', async () => {
    const { workflowId, requestId } = await gatedRun();

    const table = await hitl(['list', '--workflow', workflowId], keys.get('appr')!);
    expect(table.code, table.stderr).toBe(0);
    const lines = table.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^REQUEST\s+WORKFLOW\s+NODE\s+STATUS\s+CREATED\s+MESSAGE$/);
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(
      new RegExp(`^${requestId}\\s+${workflowId}\\s+approval\\s+pending\\s+\\S+\\s+Pay 120\\?$`),
    );

    const json = await hitl(['list', '--workflow', workflowId, '--json'], keys.get('appr')!);
    expect(json.code, json.stderr).toBe(0);
    expect(JSON.parse(json.stdout)).toEqual([
      expect.objectContaining({ requestId, workflowId, nodeId: 'approval', status: 'pending' }),
    ]);
  });

  it('approve decides as the key’s user, the run completes, and a second decision is a 409', async () => {
    const { workflowId, requestId } = await gatedRun();

    const approved = await hitl(
      ['approve', requestId, '--comment', 'ok by API'],
      keys.get('appr')!,
    );
    expect(approved.code, approved.stderr).toBe(0);
    expect(approved.stdout).toContain(`Request ${requestId} approved by appr.`);
    const run = await t.flowgate.waitFor(workflowId, { timeoutMs: WAIT_MS });
    expect(run.status).toBe('completed');
    const request = await t.flowgate.getHitl(requestId);
    expect(request).toMatchObject({
      status: 'approved',
      respondedBy: 'appr',
      response: 'ok by API',
    });

    const again = await hitl(['approve', requestId], keys.get('appr')!);
    expect(again.code).toBe(1);
    expect(again.stderr.trim()).toMatch(
      /^error: The request is no longer pending: it was already approved by appr at \S+$/,
    );
  });

  it('respond sends the answer; one that does not fit the form lists its problems (exit 2)', async () => {
    const { workflowId, requestId } = await gatedRun('cli_server_form');

    const wrong = await hitl(
      ['respond', requestId, '--value', '{"amount": "a lot"}'],
      keys.get('appr')!,
    );
    expect(wrong.code).toBe(2);
    expect(wrong.stderr).toMatch(
      /^error: The answer does not fit the request \(1 problem\):\n {2}\S/,
    );

    const answered = await hitl(
      ['respond', requestId, '--value', '{"amount": 5}', '--comment', 'five'],
      keys.get('appr')!,
    );
    expect(answered.code, answered.stderr).toBe(0);
    expect(answered.stdout).toContain(`Request ${requestId} answered by appr.`);
    const run = await t.flowgate.waitFor(workflowId, { timeoutMs: WAIT_MS });
    expect(run.status).toBe('completed');
    expect(run.nodes?.find((node) => node.nodeId === 'ask')?.result).toMatchObject({
      value: { amount: 5 },
      response: 'five',
      decidedBy: 'appr',
    });
  });

  it('a wrong key gets the 401 message', async () => {
    const { requestId } = await gatedRun();
    const { code, stdout, stderr } = await hitl(['approve', requestId], 'fg_not-a-real-key');
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr.trim()).toBe(`error: The API key was refused by ${url}: The API key is invalid`);
  });

  it('a key of someone who may not decide gets the 403 message', async () => {
    const { requestId } = await gatedRun();
    const { code, stderr } = await hitl(['reject', requestId], keys.get('olly')!);
    expect(code).toBe(1);
    expect(stderr.trim()).toBe('error: Not allowed: You are not an approver of this request');
    expect((await t.flowgate.getHitl(requestId)).status).toBe('pending');
  });

  it('an unknown request gets the 404 message', async () => {
    const { code, stderr } = await hitl(['approve', 'no-such-request'], keys.get('appr')!);
    expect(code).toBe(1);
    expect(stderr.trim()).toBe(
      "error: No such request: no-such-request (or the API key's user may not see it)",
    );
  });

  it('a closed port fails at once with the network message', async () => {
    const closed = `http://127.0.0.1:${await freePort()}`;
    // Bounded well below the client's own 30 s timeout: a refused connection must not wait for it.
    const { code, stderr } = await startCli(['hitl', 'list', '--server', closed], {
      env: { FLOWGATE_API_KEY: keys.get('appr')! },
    }).exit(10_000);
    expect(code).toBe(1);
    expect(stderr.trim()).toMatch(
      new RegExp(`^error: Cannot reach ${closed.replace(/\./g, '\\.')}: .*ECONNREFUSED`),
    );
  });

  it('--as and --db do not go with a server (exit 2); --db wins over the environment', async () => {
    const as = await hitl(['approve', 'any', '--as', 'bob'], keys.get('appr')!);
    expect(as.code).toBe(2);
    expect(as.stderr).toContain(
      "error: --as does not go with a server (FLOWGATE_SERVER_URL is set): the server acts as the API key's user",
    );

    const both = await runCli(['hitl', 'list', '--server', url, '--db', t.db.url], {
      env: { FLOWGATE_API_KEY: keys.get('appr')! },
    });
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('error: --server and --db are alternatives');

    const database = await hitl(['list', '--db', t.db.url, '--status', 'all'], keys.get('appr')!, {
      FLOWGATE_SERVER_URL: 'http://127.0.0.1:1',
    });
    expect(database.code, database.stderr).toBe(0);
    expect(database.stdout).toMatch(/^REQUEST\s+WORKFLOW/);
  });

  it('without a key, the server mode says where to put one (exit 2)', async () => {
    const { code, stderr } = await runCli(['hitl', 'list', '--server', url]);
    expect(code).toBe(2);
    expect(stderr).toContain('error: A server needs an API key: set FLOWGATE_API_KEY');
  });
});
