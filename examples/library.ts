// Flowgate as a library: run seed 000's approval workflow, approve the request, print the result.
// Run it with: npx tsx examples/library.ts [sqlite:/tmp/flowgate-example.db]
import { readFile } from 'node:fs/promises';

import { createFlowgate } from '../src/index.js';
import plugin from './plugin.mjs';

const flowgate = await createFlowgate({
  db: process.argv[2] ?? 'sqlite:data/example.db',
  plugins: [plugin],
});
try {
  const dag = JSON.parse(
    await readFile(new URL('./approval.json', import.meta.url), 'utf8'),
  ) as object;
  const { workflowId } = await flowgate.start(dag, { input: { limit: 2 }, startedBy: 'alice' });

  // The run pauses at the human node; its request carries the rendered message and the context.
  await flowgate.waitFor(workflowId, { until: ['paused'] });
  const [request] = (await flowgate.listHitl({ workflowId })).items;
  console.log(`Waiting for a person: ${request!.message}`);

  await flowgate.approve(request!.requestId, 'bob', { comment: 'Looks right' });
  const run = await flowgate.waitFor(workflowId);
  console.log(`Run ${run.status}:`, JSON.stringify(run.result));
} finally {
  await flowgate.close();
}
