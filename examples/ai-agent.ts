// An AI node with a tool and a structured answer: the model looks up a stock price through a registered tool, and
// Flowgate runs the tool loop itself, recording every model call and tool call (tokens, cost) as it goes.
//
// Against a local Ollama (no key, no cost):
//   ollama pull llama3.2
//   OPENAI_COMPATIBLE_BASE_URL=http://127.0.0.1:11434/v1 npx tsx examples/ai-agent.ts
// Against OpenAI:
//   OPENAI_API_KEY=sk-... npx tsx examples/ai-agent.ts sqlite:data/ai-example.db openai:gpt-4o-mini
import { createFlowgate } from '../src/index.js';

const [, , db = 'sqlite:data/ai-example.db', target = 'openai-compatible:llama3.2'] = process.argv;
const [provider, ...rest] = target.split(':');
const model = rest.join(':');

const flowgate = await createFlowgate({
  db,
  tools: {
    get_stock_price: {
      description: 'The latest price of a stock, in USD',
      inputSchema: {
        type: 'object',
        properties: { symbol: { type: 'string', description: 'A ticker such as AAPL' } },
        required: ['symbol'],
      },
      // ctx.idempotencyKey is the same if a crash makes this one call run again: pass it to side effects.
      run: ({ symbol }: { symbol: string }) => ({ symbol, price: symbol === 'AAPL' ? 231.4 : 99 }),
    },
  },
});
try {
  const { workflowId } = await flowgate.start(
    {
      name: 'Stock assistant',
      nodes: [
        {
          id: 'assistant',
          type: 'ai',
          data: {
            provider,
            model,
            system: 'You answer questions about stocks. Use the tools; never guess a price.',
            prompt: 'What does {{ input.symbol }} cost right now?',
            tools: ['get_stock_price'],
            output: {
              type: 'object',
              properties: { symbol: { type: 'string' }, price: { type: 'number' } },
              required: ['symbol', 'price'],
            },
          },
        },
      ],
      edges: [],
    },
    { input: { symbol: 'AAPL' } },
  );
  const run = await flowgate.waitFor(workflowId, { timeoutMs: 120_000 });
  if (run.status !== 'completed') {
    console.error(`Run ${run.status}: ${JSON.stringify(run.error)}`);
    process.exitCode = 1;
  } else {
    const result = run.result as { object: unknown; usage: Record<string, unknown> };
    console.log(`Answer: ${JSON.stringify(result.object)}`);
    console.log(`Usage: ${JSON.stringify(result.usage)}`);
    for (const call of await flowgate.aiCalls(workflowId)) {
      const cost = call.costUsd === null ? 'unpriced' : `$${call.costUsd.toFixed(6)}`;
      console.log(`  ${call.kind} ${call.stepKey} ${call.status} ${call.agentId} ${cost}`);
    }
  }
} finally {
  await flowgate.close();
}
