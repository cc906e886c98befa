/** What H1–H3 share: the approval DAG, and a server with its client process, always torn down. */
import type { Flowgate } from '../../src/app/flowgate.js';
import { tool } from '../kit.js';
import { LoadClient } from './client.js';
import { APPROVER, startBenchServer, type BenchServer } from './server.js';

/**
 * A gate the approver decides, then a step (unless `gateOnly`: the decision then completes the run in its own
 * commit). With the gate first, `startMany` itself raises every request (no worker turn needed to prepare thousands
 * of them); the decision then makes the step ready, as in production.
 */
export function approvalDag(dagId: string, options: { gateOnly?: boolean } = {}) {
  return {
    dag_id: dagId,
    nodes: [
      {
        node_id: 'gate',
        node_type: 'human_in_loop',
        config: { message: 'Go on?', approvers: [{ user: APPROVER }] },
        dependencies: [],
      },
      ...(options.gateOnly ? [] : [tool('after', ['gate'])]),
    ],
  };
}

export async function withHttp<T>(
  flowgate: Flowgate,
  work: (server: BenchServer, client: LoadClient) => Promise<T>,
): Promise<T> {
  const server = await startBenchServer(flowgate);
  const client = LoadClient.start();
  try {
    return await work(server, client);
  } finally {
    client.stop();
    await server.close();
  }
}
