import { afterEach, describe, expect, it } from 'vitest';

import { NonRetriableError, RetryAfterError } from '../../src/shared/errors.js';
import { DIALECTS } from '../helpers/dialects.js';
import { plan, startTestFlowgate, type TestFlowgate } from '../helpers/flowgate.js';

for (const dialect of DIALECTS) {
  describe(`${dialect}: runs`, () => {
    let t: TestFlowgate | undefined;
    afterEach(async () => {
      await t?.close();
      t = undefined;
    });

    it('runs a sequential DAG to completion with inputs passed along and every transition recorded', async () => {
      t = await startTestFlowgate(dialect, {
        agents: {
          double: (input: { n: number }) => ({ n: input.n * 2 }),
          add_one: (input: { double: { n: number } }) => ({ n: input.double.n + 1 }),
        },
      });
      const { workflowId } = await t.flowgate.start(
        plan('seq', [
          { id: 'double', agent: 'double' },
          { id: 'add', agent: 'add_one', deps: ['double'] },
          {
            id: 'shape',
            agent: 'echo_agent',
            deps: ['add'],
            config: { input: { total: '{{ nodes.add.output.n }}' } },
          },
        ]),
        { input: { n: 5 } },
      );
      const run = await t.flowgate.waitFor(workflowId, { timeoutMs: 10_000 });
      expect(run.status).toBe('completed');
      expect(run.result).toEqual({ total: 11 });
      expect(run.nodes!.map((n) => n.status)).toEqual(['completed', 'completed', 'completed']);
      const types = (await t.flowgate.listEvents(workflowId)).map((e) => e.type);
      expect(types[0]).toBe('workflow_started');
      expect(types.at(-1)).toBe('workflow_completed');
      expect(types.filter((ty) => ty === 'node_started')).toHaveLength(3);
      expect(types.filter((ty) => ty === 'node_completed')).toHaveLength(3);
      const executions = await t.flowgate.store.read((db) =>
        db
          .selectFrom('agent_executions')
          .selectAll()
          .where('workflow_id', '=', workflowId)
          .orderBy('id')
          .execute(),
      );
      expect(executions.map((e) => [e.agent_id, e.status])).toEqual([
        ['double', 'completed'],
        ['add_one', 'completed'],
        ['echo_agent', 'completed'],
      ]);
      expect(JSON.parse(executions[0]!.input!)).toEqual({ n: 5 });
    });

    it('runs parallel branches at once and joins them, within the per-run concurrency limit', async () => {
      let running = 0;
      let peak = 0;
      const slow = async () => {
        running++;
        peak = Math.max(peak, running);
        await new Promise((resolve) => setTimeout(resolve, 40));
        running--;
        return { ok: true };
      };
      t = await startTestFlowgate(dialect, { agents: { slow } });
      const branches = ['a', 'b', 'c', 'd', 'e', 'f'].map((id) => ({ id, agent: 'slow' }));
      const unlimited = await t.flowgate.start(
        plan('fan', [...branches, { id: 'join', deps: branches.map((b) => b.id) }]),
      );
      expect((await t.flowgate.waitFor(unlimited.workflowId, { timeoutMs: 10_000 })).status).toBe(
        'completed',
      );
      expect(peak).toBe(6);

      peak = 0;
      const limited = await t.flowgate.start(
        plan('fan_limited', [...branches, { id: 'join', deps: branches.map((b) => b.id) }], {
          settings: { concurrency: 2 },
        }),
      );
      const run = await t.flowgate.waitFor(limited.workflowId, { timeoutMs: 10_000 });
      expect(run.status).toBe('completed');
      expect(peak).toBe(2);
      expect(
        Object.keys(run.nodes!.find((n) => n.nodeId === 'join')!.result as object).sort(),
      ).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
    });

    it('skips nodes whose condition is false and propagates skips by trigger rule', async () => {
      t = await startTestFlowgate(dialect);
      const { workflowId } = await t.flowgate.start(
        plan('conditions', [
          { id: 'start' },
          { id: 'big', deps: ['start'], condition: 'input.amount > 100' },
          { id: 'after_big', deps: ['big'] },
          { id: 'small', deps: ['start'], condition: 'input.amount <= 100' },
          { id: 'tolerant', deps: ['big', 'small'], trigger_rule: 'none_failed' },
          { id: 'either', deps: ['big', 'small'], trigger_rule: 'one_success' },
          { id: 'strict', deps: ['big', 'small'] },
        ]),
        { input: { amount: 50 } },
      );
      const run = await t.flowgate.waitFor(workflowId, { timeoutMs: 10_000 });
      const status = Object.fromEntries(run.nodes!.map((n) => [n.nodeId, n.status]));
      expect(status).toEqual({
        start: 'completed',
        big: 'skipped',
        after_big: 'skipped',
        small: 'completed',
        tolerant: 'completed',
        either: 'completed',
        strict: 'skipped',
      });
      expect(run.status).toBe('completed');
    });

    it('retries with backoff until success, and fails at once on a non-retriable error', async () => {
      let calls = 0;
      t = await startTestFlowgate(dialect, {
        tools: {
          flaky: () => {
            calls++;
            if (calls < 3) throw new Error(`flake ${calls}`);
            return { calls };
          },
          broken: () => {
            throw new NonRetriableError('bad input');
          },
          limited: (_: unknown, ctx: { attempt: number }) => {
            if (ctx.attempt === 1) throw new RetryAfterError('slow down', 10);
            return { attempt: ctx.attempt };
          },
        },
      });
      const retried = await t.flowgate.start(
        plan('retry', [
          { id: 'flaky', tool: 'flaky', retry: { maxRetries: 3, backoffMs: 10, maxBackoffMs: 20 } },
          {
            id: 'limited',
            tool: 'limited',
            deps: ['flaky'],
            retry: { maxRetries: 1, backoffMs: 60_000 },
          },
        ]),
      );
      const ok = await t.flowgate.waitFor(retried.workflowId, { timeoutMs: 10_000 });
      expect(ok.status).toBe('completed');
      expect(ok.nodes![0]).toMatchObject({ status: 'completed', attempt: 3, result: { calls: 3 } });
      expect(ok.nodes![1]).toMatchObject({ status: 'completed', result: { attempt: 2 } });
      const retries = (await t.flowgate.listEvents(retried.workflowId)).filter(
        (e) => e.type === 'node_retrying',
      );
      expect(retries).toHaveLength(3);

      const failed = await t.flowgate.start(
        plan('no_retry', [
          { id: 'broken', tool: 'broken', retry: { maxRetries: 5, backoffMs: 10 } },
          { id: 'next', deps: ['broken'] },
        ]),
      );
      const run = await t.flowgate.waitFor(failed.workflowId, { timeoutMs: 10_000 });
      expect(run.status).toBe('failed');
      expect(run.error).toContain('bad input');
      expect(run.nodes!.map((n) => [n.nodeId, n.status, n.attempt])).toEqual([
        ['broken', 'failed', 1],
        ['next', 'failed', 0],
      ]);
    });

    it('times out a node through its AbortSignal, and a run past its deadline', async () => {
      let aborted = false;
      t = await startTestFlowgate(dialect, {
        tools: {
          hang: (_: unknown, ctx: { signal: AbortSignal }) =>
            new Promise((_resolve, reject) => {
              ctx.signal.addEventListener('abort', () => {
                aborted = true;
                reject(ctx.signal.reason as Error);
              });
            }),
        },
      });
      const nodeTimeout = await t.flowgate.start(
        plan('node_timeout', [{ id: 'hang', tool: 'hang', timeout: 50 }]),
      );
      const run = await t.flowgate.waitFor(nodeTimeout.workflowId, { timeoutMs: 10_000 });
      expect(run.status).toBe('failed');
      expect(run.nodes![0]!.error).toMatch(/timed out/);
      expect(aborted).toBe(true);

      const runTimeout = await t.flowgate.start(
        plan('run_timeout', [{ id: 'hang', tool: 'hang' }], { settings: { timeout: 100 } }),
      );
      const late = await t.flowgate.waitFor(runTimeout.workflowId, { timeoutMs: 10_000 });
      expect(late.status).toBe('failed');
      expect(late.error).toMatch(/timeout/);
      expect(late.nodes![0]!.status).toBe('cancelled');
    });

    it('pins a run to its DAG version while the DAG is edited', async () => {
      let release: () => void = () => undefined;
      const gate = new Promise<void>((resolve) => (release = resolve));
      t = await startTestFlowgate(dialect, {
        tools: { wait: () => gate.then(() => ({ v: 'waited' })), quick: () => ({ v: 'quick' }) },
      });
      const v1 = await t.flowgate.putDag(
        plan('pinned', [
          { id: 'a', tool: 'wait' },
          { id: 'b', deps: ['a'] },
        ]),
      );
      const { workflowId } = await t.flowgate.start('pinned');
      const v2 = await t.flowgate.putDag(
        plan('pinned', [
          { id: 'a', tool: 'quick' },
          { id: 'c', deps: ['a'] },
        ]),
      );
      expect([v1.version, v2.version]).toEqual([1, 2]);
      release();
      const run = await t.flowgate.waitFor(workflowId, { timeoutMs: 10_000 });
      expect(run.version).toBe(1);
      expect(run.nodes!.map((n) => n.nodeId)).toEqual(['a', 'b']);
      expect(run.result).toEqual({ a: { v: 'waited' } });
    });

    it('pauses, resumes, cancels and retries from the failed node', async () => {
      let fail = true;
      let release: () => void = () => undefined;
      let gate = new Promise<void>((resolve) => (release = resolve));
      t = await startTestFlowgate(dialect, {
        tools: {
          hold: () => gate.then(() => ({ held: true })),
          maybe: () => {
            if (fail) throw new Error('not yet');
            return { ok: true };
          },
        },
      });
      const dag = plan('control', [
        { id: 'first', tool: 'hold' },
        { id: 'second', tool: 'maybe', deps: ['first'] },
        { id: 'third', deps: ['second'] },
      ]);
      const { workflowId } = await t.flowgate.start(dag);
      await expect
        .poll(async () => (await t!.flowgate.getWorkflow(workflowId)).nodes![0]!.status)
        .toBe('running');
      const paused = await t.flowgate.pause(workflowId, 'ops');
      expect(paused.status).toBe('paused');
      release();
      // The running node finishes, but nothing new starts while paused.
      await expect
        .poll(async () => (await t!.flowgate.getWorkflow(workflowId)).nodes![0]!.status)
        .toBe('completed');
      await new Promise((resolve) => setTimeout(resolve, 150));
      expect((await t.flowgate.getWorkflow(workflowId)).nodes![1]!.status).toBe('pending');
      await expect(t.flowgate.resume(workflowId, 'ops')).resolves.toMatchObject({
        status: 'running',
      });
      const failed = await t.flowgate.waitFor(workflowId, { timeoutMs: 10_000 });
      expect(failed.status).toBe('failed');
      fail = false;
      await t.flowgate.retry(workflowId, 'ops');
      const done = await t.flowgate.waitFor(workflowId, { timeoutMs: 10_000 });
      expect(done.status).toBe('completed');
      expect(done.nodes!.map((n) => n.status)).toEqual(['completed', 'completed', 'completed']);
      const types = (await t.flowgate.listEvents(workflowId)).map((e) => e.type);
      expect(types).toEqual(
        expect.arrayContaining([
          'workflow_paused',
          'workflow_resumed',
          'workflow_failed',
          'workflow_retried',
        ]),
      );

      gate = new Promise<void>((resolve) => (release = resolve));
      const second = await t.flowgate.start(dag);
      await expect
        .poll(async () => (await t!.flowgate.getWorkflow(second.workflowId)).nodes![0]!.status)
        .toBe('running');
      const cancelled = await t.flowgate.cancel(second.workflowId, 'ops');
      expect(cancelled.status).toBe('cancelled');
      expect(cancelled.nodes!.every((n) => n.status === 'cancelled')).toBe(true);
      release();
      await expect(t.flowgate.resume(second.workflowId, 'ops')).rejects.toMatchObject({
        code: 'RUN_NOT_ACTIVE',
      });
    });

    it('refuses an invalid DAG listing every problem', async () => {
      t = await startTestFlowgate(dialect);
      const bad = plan('bad', [
        { id: 'a', deps: ['c'] },
        { id: 'b', deps: ['a'], agent: 'nobody' },
        { id: 'c', deps: ['b'] },
        { id: 'd', deps: ['ghost'] },
      ]);
      const error = await t.flowgate.start(bad).catch((e: unknown) => e);
      expect(error).toMatchObject({ code: 'DAG_INVALID' });
      const codes = (error as { details: { code: string }[] }).details.map((p) => p.code);
      expect(codes).toEqual(
        expect.arrayContaining(['cycle', 'unknown_agent', 'unknown_dependency']),
      );
    });

    it('runs a decision node that routes, a durable timer and a sub-DAG', async () => {
      t = await startTestFlowgate(dialect);
      await t.flowgate.putDag(
        plan('child', [{ id: 'inner', config: { input: { got: '{{ input.x }}' } } }]),
      );
      const { workflowId } = await t.flowgate.start(
        plan('composite', [
          { id: 'start' },
          {
            id: 'route',
            type: 'decision',
            deps: ['start'],
            config: {
              expression: 'input.kind',
              conditions: [{ condition: "value = 'fast'", target: 'fast' }],
              default: 'slow',
            },
          },
          { id: 'fast', deps: ['route'] },
          { id: 'slow', deps: ['route'] },
          { id: 'wait', type: 'timer', deps: ['fast'], config: { delayMs: 30 } },
          {
            id: 'sub',
            type: 'sub_dag',
            deps: ['wait'],
            config: { dag_id: 'child', input: { x: 42 } },
          },
        ]),
        { input: { kind: 'fast' } },
      );
      const run = await t.flowgate.waitFor(workflowId, { timeoutMs: 10_000 });
      const status = Object.fromEntries(run.nodes!.map((n) => [n.nodeId, n.status]));
      expect(status).toMatchObject({
        route: 'completed',
        fast: 'completed',
        slow: 'skipped',
        wait: 'completed',
        sub: 'completed',
      });
      expect(run.nodes!.find((n) => n.nodeId === 'sub')!.result).toEqual({ got: 42 });
      expect(run.status).toBe('completed');
    });
  });
}

for (const dialect of DIALECTS) {
  describe(`${dialect}: expressions that fail at run time`, () => {
    let t: TestFlowgate | undefined;
    afterEach(async () => {
      await t?.close();
      t = undefined;
    });

    it('fail their node with the error, and other runs go on', async () => {
      t = await startTestFlowgate(dialect);
      // JSONata refuses to add a string to a number: valid syntax, an error only when evaluated.
      const badCondition = await t.flowgate.start(
        plan('bad_condition', [{ id: 'a' }, { id: 'b', deps: ['a'], condition: "input.n + 'x'" }]),
        { input: { n: 1 } },
      );
      const badInput = await t.flowgate.start(
        plan('bad_input', [{ id: 'a', config: { input: { v: "{{ input.n + 'x' }}" } } }]),
        { input: { n: 1 } },
      );
      const fine = await t.flowgate.start(plan('fine', [{ id: 'a' }]), { input: { n: 1 } });

      const [c, i, f] = await Promise.all(
        [badCondition, badInput, fine].map((r) =>
          t!.flowgate.waitFor(r.workflowId, { timeoutMs: 10_000 }),
        ),
      );
      expect(f!.status).toBe('completed');
      expect(c!.status).toBe('failed');
      expect(c!.nodes!.find((n) => n.nodeId === 'b')!.error).toMatch(/./);
      expect(i!.status).toBe('failed');
      expect(i!.nodes![0]!.attempt).toBe(1);
    });
  });
}
