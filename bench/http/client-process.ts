/**
 * The client process of the HTTP workloads (forked by client.ts): answers each command of protocol.ts with one reply.
 * It exits when the workload process goes away, so a killed benchmark leaves no load generator behind.
 */
import { approveEach } from './approve-load.js';
import { listRepeatedly } from './list-load.js';
import type { ClientCommand, ClientMessage } from './protocol.js';
import { Subscribers } from './sse.js';

let subscribers: Subscribers | undefined;

async function handle(command: ClientCommand): Promise<unknown> {
  switch (command.kind) {
    case 'approve':
      return approveEach(command);
    case 'list':
      return listRepeatedly(command);
    case 'subscribe':
      subscribers = await Subscribers.open(command);
      return { open: subscribers.size };
    case 'collect': {
      if (!subscribers) throw new Error('collect before subscribe');
      const reply = await subscribers.collect(command);
      subscribers = undefined;
      return reply;
    }
  }
}

function send(message: ClientMessage): void {
  process.send?.(message);
}

process.on('message', (command: ClientCommand) => {
  handle(command).then(
    (reply) => send({ ok: true, reply }),
    (error: unknown) =>
      send({
        ok: false,
        error: error instanceof Error ? (error.stack ?? error.message) : String(error),
      }),
  );
});
process.on('disconnect', () => process.exit(0));
