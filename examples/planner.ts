// The planner: a request in plain words becomes a DAG over the registered tools, which a person approves before it
// runs. Here the person is this script (it approves what the planner drafted); in a team it is the web UI, the API
// (POST /api/plans/:planId/approve) or `flowgate plan … --approve`.
//
// Against a local Ollama (no key, no cost):
//   OPENAI_COMPATIBLE_BASE_URL=http://127.0.0.1:11434/v1 npx tsx examples/planner.ts
// Against OpenAI:
//   OPENAI_API_KEY=sk-... npx tsx examples/planner.ts sqlite:data/planner-example.db openai:gpt-4o-mini
import { createFlowgate } from '../src/index.js';

const [, , db = 'sqlite:data/planner-example.db', model = 'openai-compatible:llama3.2'] =
  process.argv;

const flowgate = await createFlowgate({
  db,
  planner: { model },
  tools: {
    get_stock_price: {
      description: 'The latest price of a stock, in USD',
      inputSchema: {
        type: 'object',
        properties: { symbol: { type: 'string' } },
        required: ['symbol'],
      },
      run: ({ symbol }: { symbol: string }) => ({ symbol, price: symbol === 'AAPL' ? 231.4 : 99 }),
    },
    place_order: {
      description: 'Buys shares: {symbol, quantity}',
      run: ({ symbol, quantity }: { symbol: string; quantity: number }) => ({
        orderId: `order-${symbol}-${quantity}`,
      }),
    },
  },
});
const me = { userId: 'example', username: 'example', roles: ['user'] };
try {
  const drafted = await flowgate.plans.create(
    { request: 'Check the price of AAPL and buy 10 shares if a person agrees to the price.' },
    me,
  );
  console.log(`Plan ${drafted.planId}: ${drafted.status} after ${drafted.rounds} model call(s)`);
  if (drafted.summary) console.log(drafted.summary);
  console.log(`Waits for a person at: ${drafted.gates.join(', ') || 'nowhere'}`);
  for (const problem of drafted.problems)
    console.log(`problem ${problem.path}: ${problem.message}`);
  if (drafted.status === 'pending_approval') {
    const executed = await flowgate.plans.approve(
      drafted.planId,
      { input: { symbol: 'AAPL' } },
      me,
    );
    console.log(
      `Approved: run ${executed.workflowId} of ${executed.dagId} v${executed.dagVersion}`,
    );
    // The plan's own human node still asks: this script answers it as well.
    const run = await flowgate.waitFor(executed.workflowId!, {
      until: ['paused', 'completed', 'failed'],
      timeoutMs: 60_000,
    });
    for (const request of (await flowgate.listHitl({ workflowId: run.workflowId })).items) {
      console.log(`Asked: ${request.message}`);
      await flowgate.approve(request.requestId, me);
    }
    const done = await flowgate.waitFor(run.workflowId, { timeoutMs: 60_000 });
    console.log(`Run ${done.status}: ${JSON.stringify(done.result)}`);
  } else {
    process.exitCode = 1;
  }
} finally {
  await flowgate.close();
}
