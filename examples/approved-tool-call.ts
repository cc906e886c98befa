// An agent whose tool call waits for a person: the model may look up an order freely, but a refund is run only after
// someone approves it (here, on the terminal; in practice from the inbox, a mail, Slack or `flowgate hitl approve`).
// The person may approve the arguments as written, change them first (the model is told), reject with a reason (the
// model reads it), or answer in words.
//
// Against a local Ollama (no key, no cost):
//   ollama pull llama3.2
//   OPENAI_COMPATIBLE_BASE_URL=http://127.0.0.1:11434/v1 npx tsx examples/approved-tool-call.ts
// Against OpenAI:
//   OPENAI_API_KEY=sk-... npx tsx examples/approved-tool-call.ts sqlite:data/refund.db openai:gpt-4o-mini
import { createInterface } from 'node:readline/promises';

import { createFlowgate } from '../src/index.js';

const [, , db = 'sqlite:data/refund-example.db', target = 'openai-compatible:llama3.2'] =
  process.argv;
const [provider, ...rest] = target.split(':');
const model = rest.join(':');

const flowgate = await createFlowgate({
  db,
  tools: {
    get_order: {
      description: 'An order by its id: what was bought and what was paid',
      inputSchema: {
        type: 'object',
        properties: { orderId: { type: 'string' } },
        required: ['orderId'],
      },
      run: ({ orderId }: { orderId: string }) => ({ orderId, item: 'Kettle', paidUsd: 49 }),
    },
    refund: {
      description: 'Refunds an amount of an order to the customer',
      inputSchema: {
        type: 'object',
        properties: { orderId: { type: 'string' }, amountUsd: { type: 'number', minimum: 0 } },
        required: ['orderId', 'amountUsd'],
      },
      // ctx.idempotencyKey is the same if a crash makes this call run again: pass it to the payment provider.
      run: (input: { orderId: string; amountUsd: number }, ctx) => {
        console.log(
          `  (refunding $${input.amountUsd} of ${input.orderId}, key ${ctx.idempotencyKey})`,
        );
        return { refunded: input.amountUsd };
      },
    },
  },
});
const terminal = createInterface({ input: process.stdin, output: process.stdout });
try {
  const { workflowId } = await flowgate.start(
    {
      name: 'Refund desk',
      nodes: [
        {
          id: 'agent',
          type: 'ai',
          data: {
            provider,
            model,
            system: 'You handle refund requests. Look the order up, then refund what is owed.',
            prompt: 'Customer: "{{ input.message }}" (order {{ input.orderId }})',
            tools: ['get_order', 'refund'],
            approveTools: ['refund'],
            approval: { timeout: { after: 'PT1H', outcome: 'reject' } },
          },
        },
      ],
      edges: [],
    },
    { input: { orderId: 'A-1001', message: 'My kettle arrived broken, please refund me.' } },
  );
  for (;;) {
    const run = await flowgate.waitFor(workflowId, {
      until: ['paused', 'completed', 'failed', 'cancelled'],
      timeoutMs: 120_000,
    });
    if (run.status !== 'paused') {
      console.log(`Run ${run.status}: ${JSON.stringify(run.result ?? run.error)}`);
      if (run.status !== 'completed') process.exitCode = 1;
      break;
    }
    for (const pending of (await flowgate.listHitl({ workflowId })).items) {
      const request = await flowgate.getHitl(pending.requestId);
      const { toolCall } = request.context as {
        toolCall: { toolName: string; input: unknown; reasoning: string | null };
      };
      console.log(`\n${request.message}\n  arguments: ${JSON.stringify(toolCall.input)}`);
      if (toolCall.reasoning) console.log(`  the agent's reasoning: ${toolCall.reasoning}`);
      const answer = (
        await terminal.question(
          'approve (a), approve a different amount (a NUMBER), or reject (r)? ',
        )
      ).trim();
      if (answer === 'r') {
        const reason = await terminal.question('reason: ');
        await flowgate.reject(request.requestId, 'admin', { comment: reason });
      } else if (/^a\s+\d+(\.\d+)?$/.test(answer)) {
        const amountUsd = Number(answer.split(/\s+/)[1]);
        await flowgate.approve(request.requestId, 'admin', { edits: { amountUsd } });
      } else {
        await flowgate.approve(request.requestId, 'admin');
      }
    }
    // Each decision's commit already set the run going again: the next wait sees the next pause, or the end.
  }
} finally {
  terminal.close();
  await flowgate.close();
}
