// Rollback with compensation (a saga): book a trip, then roll back to the state after the flight was booked. The
// hotel and the payment are undone, newest first, and the run resumes from there: both are booked again.
// Run it with: npx tsx examples/rollback.ts [sqlite:/tmp/flowgate-rollback.db]
import { createFlowgate } from '../src/index.js';

const log = (line: string) => console.log(line);
const flowgate = await createFlowgate({
  db: process.argv[2] ?? 'sqlite:data/rollback-example.db',
  tools: {
    book: (input: { what: string }) => {
      log(`booked ${input.what}`);
      return { booking: `${input.what}-1` };
    },
    // ctx.idempotencyKey (rollback id + node id) stays the same if a crash makes this run again: pass it on.
    cancel: (input: { booking: string }) => {
      log(`cancelled ${input.booking}`);
      return { cancelled: input.booking };
    },
  },
});
try {
  const step = (id: string, deps: string[]) => ({
    node_id: id,
    node_type: 'tool',
    tool_name: 'book',
    config: { input: { what: id } },
    dependencies: deps,
    // The compensation gets the node's output as its input, unless its config names an input.
    compensate: { tool_name: 'cancel' },
  });
  const { workflowId } = await flowgate.start({
    dag_id: 'trip',
    nodes: [step('flight', []), step('hotel', ['flight']), step('payment', ['hotel'])],
  });
  await flowgate.waitFor(workflowId);

  // Snapshots are newest first; the oldest is the state after the flight was booked.
  const snapshots = await flowgate.listSnapshots(workflowId);
  log(`snapshots: ${snapshots.map((s) => s.nodeId).join(', ')}`);
  const afterFlight = snapshots.find((s) => s.nodeId === 'flight')!;
  await flowgate.rollback(workflowId, { snapshotId: afterFlight.snapshotId }, 'alice');

  const run = await flowgate.waitFor(workflowId);
  const saga = (await flowgate.listEvents(workflowId))
    .map((e) => e.type)
    .filter((type) => type.startsWith('rollback_') || type === 'compensation_completed');
  log(`events: ${saga.join(', ')}`);
  log(`run ${run.status}`);
} finally {
  await flowgate.close();
}
