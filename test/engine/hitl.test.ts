import { afterEach, describe, expect, it } from 'vitest';

import { ManualClock } from '../../src/shared/clock.js';
import { NonRetriableError } from '../../src/shared/errors.js';
import { insertUser } from '../../src/store/repositories/users.js';
import { DIALECTS } from '../helpers/dialects.js';
import { plan, startTestFlowgate, type TestFlowgate } from '../helpers/flowgate.js';

const gate = (config: Record<string, unknown> = {}, extra: Record<string, unknown> = {}) =>
  plan(
    'gated',
    [
      { id: 'prepare', agent: 'echo_agent', config: { input: { amount: 120, payee: 'ACME' } } },
      { id: 'approval', type: 'human_in_loop', deps: ['prepare'], config },
      { id: 'pay', deps: ['approval'], config: { input: '{{ nodes.approval.output }}' } },
    ],
    extra,
  );

for (const dialect of DIALECTS) {
  describe(`${dialect}: human approval gates`, () => {
    let t: TestFlowgate | undefined;
    afterEach(async () => {
      await t?.close();
      t = undefined;
    });

    async function pendingRequest(workflowId: string) {
      await t!.flowgate.waitFor(workflowId, { until: ['paused'], timeoutMs: 10_000 });
      const { items } = await t!.flowgate.listHitl({ workflowId });
      expect(items).toHaveLength(1);
      return items[0]!;
    }

    it('pauses at the gate with the rendered message and context, and resumes on approval', async () => {
      t = await startTestFlowgate(dialect);
      const { workflowId } = await t.flowgate.start(
        gate({
          message: 'Pay {{ nodes.prepare.output.amount }} to {{ nodes.prepare.output.payee }}?',
        }),
        { input: { invoice: 7 }, startedBy: 'carol' },
      );
      const request = await pendingRequest(workflowId);
      expect(request.message).toBe('Pay 120 to ACME?');
      const run = await t.flowgate.getWorkflow(workflowId);
      expect(run.nodes!.map((n) => n.status)).toEqual(['completed', 'waiting_hitl', 'pending']);
      const full = await t.flowgate.getHitl(request.requestId);
      expect(full.context).toMatchObject({
        input: { invoice: 7 },
        outputs: { prepare: { amount: 120, payee: 'ACME' } },
        proposed: { amount: 120, payee: 'ACME' },
      });

      const result = await t.flowgate.approve(request.requestId, 'dave', { comment: 'fine' });
      expect(result.status).toBe('approved');
      const done = await t.flowgate.waitFor(workflowId, { timeoutMs: 10_000 });
      expect(done.status).toBe('completed');
      expect(done.result).toMatchObject({ approved: true, response: 'fine', decidedBy: 'dave' });
      const approved = (await t.flowgate.listEvents(workflowId)).find(
        (e) => e.type === 'hitl_approved',
      );
      expect(approved?.data).toMatchObject({
        by: { userId: 'dave', channel: 'library' },
        response: 'fine',
      });
      await expect(t.flowgate.approve(request.requestId, 'erin')).rejects.toMatchObject({
        code: 'HITL_NOT_PENDING',
        details: { status: 'approved', respondedBy: 'dave' },
      });
    });

    it('fails the run on rejection, unless the DAG routes the rejection', async () => {
      t = await startTestFlowgate(dialect);
      const failed = await t.flowgate.start(gate());
      const request = await pendingRequest(failed.workflowId);
      await t.flowgate.reject(request.requestId, 'dave', { comment: 'wrong payee' });
      const run = await t.flowgate.waitFor(failed.workflowId, { timeoutMs: 10_000 });
      expect(run.status).toBe('failed');
      expect(run.error).toContain('wrong payee');
      expect(run.nodes!.map((n) => n.status)).toEqual(['completed', 'failed', 'failed']);

      const routed = await t.flowgate
        .start({
          id: 'routed',
          name: 'Routed review',
          nodes: [
            { id: 'review', type: 'human', data: { message: 'Publish?' } },
            { id: 'publish', type: 'action', data: { tool_name: 'noop' } },
            { id: 'archive', type: 'ai', data: { agent_id: 'echo_agent' } },
          ],
          edges: [
            { source: 'review', target: 'publish', condition: 'approved' },
            { source: 'review', target: 'archive', condition: 'approved = false' },
          ],
        })
        .catch((e: unknown) => e);
      // `noop` is not registered: the registry refuses the DAG before it runs.
      expect(routed).toMatchObject({ code: 'DAG_INVALID' });
    });

    it('routes a rejection down a conditional edge', async () => {
      t = await startTestFlowgate(dialect, { tools: { publish: () => ({ published: true }) } });
      const { workflowId } = await t.flowgate.start({
        id: 'routed',
        name: 'Routed review',
        nodes: [
          { id: 'review', type: 'human', data: { message: 'Publish?' } },
          { id: 'publish', type: 'action', data: { tool_name: 'publish' } },
          { id: 'archive', type: 'ai', data: { agent_id: 'echo_agent' } },
        ],
        edges: [
          { source: 'review', target: 'publish', condition: 'approved' },
          { source: 'review', target: 'archive', condition: 'approved = false' },
        ],
      });
      const request = await pendingRequest(workflowId);
      await t.flowgate.reject(request.requestId, 'dave', { comment: 'not now' });
      const run = await t.flowgate.waitFor(workflowId, { timeoutMs: 10_000 });
      expect(run.status).toBe('completed');
      expect(Object.fromEntries(run.nodes!.map((n) => [n.nodeId, n.status]))).toEqual({
        review: 'completed',
        publish: 'skipped',
        archive: 'completed',
      });
    });

    it('takes an answer from the offered options or a form, and refuses anything else', async () => {
      t = await startTestFlowgate(dialect);
      const choice = await t.flowgate.start(
        gate({ message: 'Which account?', options: ['ops', 'sales'] }),
      );
      const request = await pendingRequest(choice.workflowId);
      await expect(
        t.flowgate.respond(request.requestId, 'dave', 'marketing'),
      ).rejects.toMatchObject({
        code: 'VALIDATION_FAILED',
      });
      await t.flowgate.respond(request.requestId, 'dave', 'sales');
      const run = await t.flowgate.waitFor(choice.workflowId, { timeoutMs: 10_000 });
      expect(run.result).toMatchObject({ approved: true, value: 'sales' });
      expect((await t.flowgate.getHitl(request.requestId)).status).toBe('completed');

      const form = await t.flowgate.start(
        gate({
          form: {
            type: 'object',
            properties: { budget: { type: 'number', minimum: 0 }, note: { type: 'string' } },
            required: ['budget'],
          },
        }),
      );
      const formRequest = await pendingRequest(form.workflowId);
      const refused = await t.flowgate
        .respond(formRequest.requestId, 'dave', { budget: -5 })
        .catch((e: unknown) => e);
      expect(refused).toMatchObject({
        code: 'VALIDATION_FAILED',
        details: [{ path: 'value.budget' }],
      });
      await t.flowgate.respond(formRequest.requestId, 'dave', { budget: 300, note: 'ok' });
      const formRun = await t.flowgate.waitFor(form.workflowId, { timeoutMs: 10_000 });
      expect(formRun.result).toMatchObject({ value: { budget: 300, note: 'ok' } });
    });

    it('approves with edits to the editable values and records the diff', async () => {
      t = await startTestFlowgate(dialect);
      const { workflowId } = await t.flowgate.start(gate({ editable: ['amount'] }));
      const request = await pendingRequest(workflowId);
      await expect(
        t.flowgate.approve(request.requestId, 'dave', { edits: { payee: 'EVIL' } }),
      ).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
      await t.flowgate.approve(request.requestId, 'dave', { edits: { amount: 90 } });
      const run = await t.flowgate.waitFor(workflowId, { timeoutMs: 10_000 });
      expect(run.result).toMatchObject({
        approved: true,
        value: { amount: 90, payee: 'ACME' },
        edits: [{ path: 'amount', before: 120, after: 90 }],
      });
      const event = (await t.flowgate.listEvents(workflowId)).find(
        (e) => e.type === 'hitl_approved',
      );
      expect(event?.data).toMatchObject({ edits: [{ path: 'amount', before: 120, after: 90 }] });
    });

    it('counts distinct approvers for a quorum, lets one rejection veto, and checks who may decide', async () => {
      t = await startTestFlowgate(dialect);
      await t.flowgate.store.transaction(async (tx) => {
        const now = new Date().toISOString();
        await insertUser(tx, { userId: 'u-fin', username: 'frank', role: 'finance', now });
        await insertUser(tx, { userId: 'u-view', username: 'vera', role: 'viewer', now });
      });
      const rules = {
        approvers: [{ user: 'alice' }, { user: 'bob' }, { role: 'finance' }],
        quorum: { mode: 'count', count: 2 },
        allowSelfApproval: false,
      };
      const first = await t.flowgate.start(gate(rules), { startedBy: 'alice' });
      const request = await pendingRequest(first.workflowId);
      await expect(t.flowgate.approve(request.requestId, 'alice')).rejects.toMatchObject({
        code: 'FORBIDDEN',
        details: { reason: 'self_approval' },
      });
      await expect(t.flowgate.approve(request.requestId, 'mallory')).rejects.toMatchObject({
        code: 'FORBIDDEN',
        details: { reason: 'not_an_approver' },
      });
      await expect(t.flowgate.approve(request.requestId, 'vera')).rejects.toMatchObject({
        code: 'FORBIDDEN',
      });
      const vote = await t.flowgate.approve(request.requestId, 'bob');
      expect(vote).toMatchObject({ status: 'pending', approvals: 1, required: 2 });
      await expect(t.flowgate.approve(request.requestId, 'bob')).rejects.toMatchObject({
        code: 'CONFLICT',
      });
      await expect(t.flowgate.approve(request.requestId, 'frank')).resolves.toMatchObject({
        status: 'approved',
      });
      expect((await t.flowgate.waitFor(first.workflowId, { timeoutMs: 10_000 })).status).toBe(
        'completed',
      );
      expect((await t.flowgate.getHitl(request.requestId)).votes).toHaveLength(2);

      const second = await t.flowgate.start(gate(rules), { startedBy: 'carol' });
      const vetoed = await pendingRequest(second.workflowId);
      await t.flowgate.approve(vetoed.requestId, 'bob');
      await t.flowgate.reject(vetoed.requestId, 'frank', { comment: 'over budget' });
      expect((await t.flowgate.waitFor(second.workflowId, { timeoutMs: 10_000 })).status).toBe(
        'failed',
      );
    });

    it('lets exactly one of 20 concurrent decisions win', async () => {
      t = await startTestFlowgate(dialect);
      const { workflowId } = await t.flowgate.start(gate());
      const request = await pendingRequest(workflowId);
      const outcomes = await Promise.allSettled(
        Array.from({ length: 20 }, (_, i) =>
          i % 2 === 0
            ? t!.flowgate.approve(request.requestId, `user${i}`)
            : t!.flowgate.reject(request.requestId, `user${i}`),
        ),
      );
      const won = outcomes.filter((o) => o.status === 'fulfilled');
      const lost = outcomes.filter((o) => o.status === 'rejected');
      expect(won).toHaveLength(1);
      expect(lost.every((o) => (o.reason as { code?: string }).code === 'HITL_NOT_PENDING')).toBe(
        true,
      );
      const votes = (await t.flowgate.getHitl(request.requestId)).votes!;
      expect(votes).toHaveLength(1);
      const closings = (await t.flowgate.listEvents(workflowId)).filter(
        (e) => e.type === 'hitl_approved' || e.type === 'hitl_rejected',
      );
      expect(closings).toHaveLength(1);
    });

    it('decides many requests at once, each alone: the losers fail, the others go on', async () => {
      t = await startTestFlowgate(dialect);
      // Started at once from one new document: the first store of a DAG must not race itself (PostgreSQL).
      const runs = await Promise.all(Array.from({ length: 12 }, () => t!.flowgate.start(gate())));
      const requests = await Promise.all(runs.map((run) => pendingRequest(run.workflowId)));
      // Twelve approvals and, for the first four requests, a rejection racing each: on SQLite they share commits.
      const outcomes = await Promise.allSettled([
        ...requests.map((request) => t!.flowgate.approve(request.requestId, 'alice')),
        ...requests.slice(0, 4).map((request) => t!.flowgate.reject(request.requestId, 'bob')),
        t.flowgate.approve('no-such-request', 'alice'),
      ]);
      const codes = outcomes.map((o) =>
        o.status === 'fulfilled' ? 'ok' : (o.reason as { code?: string }).code,
      );
      expect(codes.slice(0, 12).filter((code) => code === 'ok').length).toBeGreaterThanOrEqual(8);
      expect(codes.filter((code) => code === 'ok')).toHaveLength(12);
      expect(codes.filter((code) => code === 'HITL_NOT_PENDING')).toHaveLength(4);
      expect(codes.at(-1)).toBe('NOT_FOUND');
      for (const [i, run] of runs.entries()) {
        const done = await t.flowgate.waitFor(run.workflowId, { timeoutMs: 10_000 });
        const approved = codes[i] === 'ok';
        expect(done.status).toBe(approved ? 'completed' : 'failed');
      }
    });

    it('keeps parallel gates apart: each answer reaches only its own request', async () => {
      t = await startTestFlowgate(dialect);
      const { workflowId } = await t.flowgate.start(
        plan('two_gates', [
          { id: 'legal', type: 'human_in_loop', config: { message: 'Legal?' } },
          { id: 'finance', type: 'human_in_loop', config: { message: 'Finance?' } },
          { id: 'done', deps: ['legal', 'finance'] },
        ]),
      );
      await t.flowgate.waitFor(workflowId, { until: ['paused'], timeoutMs: 10_000 });
      const { items } = await t.flowgate.listHitl({ workflowId });
      expect(items.map((r) => r.message).sort()).toEqual(['Finance?', 'Legal?']);
      const legal = items.find((r) => r.nodeId === 'legal')!;
      await t.flowgate.approve(legal.requestId, 'dave');
      const after = await t.flowgate.getWorkflow(workflowId);
      expect(after.status).toBe('paused');
      expect(Object.fromEntries(after.nodes!.map((n) => [n.nodeId, n.status]))).toEqual({
        legal: 'completed',
        finance: 'waiting_hitl',
        done: 'pending',
      });
      const finance = items.find((r) => r.nodeId === 'finance')!;
      await t.flowgate.approve(finance.requestId, 'dave');
      expect((await t.flowgate.waitFor(workflowId, { timeoutMs: 10_000 })).status).toBe(
        'completed',
      );
    });

    it('cancels one request, or all of a run at once', async () => {
      t = await startTestFlowgate(dialect);
      const one = await t.flowgate.start(gate());
      const request = await pendingRequest(one.workflowId);
      await t.flowgate.cancelHitl(request.requestId, 'ops', 'no longer needed');
      const run = await t.flowgate.waitFor(one.workflowId, { timeoutMs: 10_000 });
      expect(run.status).toBe('failed');
      expect((await t.flowgate.getHitl(request.requestId)).status).toBe('cancelled');

      const both = await t.flowgate.start(
        plan('two', [
          { id: 'a', type: 'human_in_loop' },
          { id: 'b', type: 'human_in_loop' },
        ]),
      );
      await t.flowgate.waitFor(both.workflowId, { until: ['paused'], timeoutMs: 10_000 });
      expect(await t.flowgate.cancelRunHitl(both.workflowId, 'ops')).toBe(2);
      expect((await t.flowgate.listHitl({ workflowId: both.workflowId })).items).toHaveLength(0);
      expect((await t.flowgate.waitFor(both.workflowId, { timeoutMs: 10_000 })).status).toBe(
        'failed',
      );
    });

    it('applies each timeout outcome when the clock passes the deadline', async () => {
      const clock = new ManualClock(Date.now());
      t = await startTestFlowgate(dialect, { clock });
      const outcomes = ['approve', 'reject', 'expire', 'fail'] as const;
      const runs = [];
      for (const outcome of outcomes) {
        const { workflowId } = await t.flowgate.start(
          gate({
            timeout: { after: 'PT1H', outcome },
            onReject: outcome === 'reject' ? 'continue' : 'fail',
          }),
        );
        runs.push(workflowId);
        await pendingRequest(workflowId);
      }
      clock.advance(2 * 60 * 60 * 1000);
      t.flowgate.poke();
      const ended = await Promise.all(
        runs.map((id) => t!.flowgate.waitFor(id, { timeoutMs: 10_000 })),
      );
      expect(ended.map((r) => r.status)).toEqual(['completed', 'completed', 'failed', 'failed']);
      const statuses = await Promise.all(
        runs.map(
          async (id) =>
            (await t!.flowgate.listHitl({ workflowId: id, status: undefined as never })).items,
        ),
      );
      expect(statuses.flat()).toHaveLength(0);
      expect(ended[1]!.result).toMatchObject({ approved: false });
      const types = (await t.flowgate.listEvents(runs[2]!)).map((e) => e.type);
      expect(types).toContain('hitl_expired');
    });
  });
}

for (const dialect of DIALECTS) {
  describe(`${dialect}: a run that fails while a gate opens`, () => {
    let t: TestFlowgate | undefined;
    afterEach(async () => {
      await t?.close();
      t = undefined;
    });

    it('cancels the request raised in the same commit', async () => {
      t = await startTestFlowgate(dialect, {
        tools: {
          boom: () => {
            throw new NonRetriableError('boom');
          },
        },
      });
      // `gate` and `broken` become ready together; the failure of `broken` dooms the run in the commit that
      // raises the gate's request.
      const { workflowId } = await t.flowgate.start(
        plan('doomed', [
          { id: 'start' },
          { id: 'gate', type: 'human_in_loop', deps: ['start'] },
          { id: 'broken', tool: 'boom', deps: ['start'] },
        ]),
      );
      const run = await t.flowgate.waitFor(workflowId, { timeoutMs: 10_000 });
      expect(run.status).toBe('failed');
      const requests = (await t.flowgate.listHitl({ workflowId, status: 'all' })).items;
      expect(requests.every((r) => r.status !== 'pending')).toBe(true);
    });
  });
}
