import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { DIALECTS } from '../helpers/dialects.js';
import { startTestFlowgate, type TestFlowgate } from '../helpers/flowgate.js';

/** A random DAG: node i may depend on any nodes before it, so every generated graph is acyclic. */
const randomDag = fc.integer({ min: 1, max: 12 }).chain((size) =>
  fc.tuple(
    ...Array.from({ length: size }, (_, i) =>
      fc.subarray(
        Array.from({ length: i }, (_, j) => j),
        { maxLength: Math.min(4, i) },
      ),
    ),
  ),
);

for (const dialect of DIALECTS) {
  describe(`${dialect}: random DAGs`, () => {
    let t: TestFlowgate;
    const order = new Map<string, string[]>();
    beforeAll(async () => {
      t = await startTestFlowgate(dialect, {
        tools: {
          record: async (_input: unknown, ctx: { workflowId: string; nodeId: string }) => {
            await new Promise((resolve) => setTimeout(resolve, Math.random() * 3));
            const list = order.get(ctx.workflowId) ?? [];
            list.push(ctx.nodeId);
            order.set(ctx.workflowId, list);
            return ctx.nodeId;
          },
        },
      });
    });
    afterAll(() => t.close());

    it('run to completion in an order that respects every dependency', async () => {
      let n = 0;
      await fc.assert(
        fc.asyncProperty(randomDag, async (deps) => {
          const dag = {
            dag_id: `random_${n++}`,
            nodes: deps.map((d, i) => ({
              node_id: `n${i}`,
              node_type: 'tool',
              tool_name: 'record',
              dependencies: d.map((j) => `n${j}`),
            })),
          };
          const { workflowId } = await t.flowgate.start(dag);
          const run = await t.flowgate.waitFor(workflowId, { timeoutMs: 10_000 });
          expect(run.status).toBe('completed');
          const seen = order.get(workflowId) ?? [];
          expect(seen).toHaveLength(deps.length);
          deps.forEach((d, i) => {
            for (const j of d) expect(seen.indexOf(`n${j}`)).toBeLessThan(seen.indexOf(`n${i}`));
          });
        }),
        { numRuns: 25 },
      );
    });
  });
}
