import { createFlowgate, type Flowgate } from '../app/flowgate.js';

/**
 * Opens the database as a client (no workers: runs go on in `serve` or `worker` processes), does
 * the work, and closes it again whatever happens, so the command's process can exit.
 */
export async function withClient<T>(
  db: string,
  work: (flowgate: Flowgate) => Promise<T>,
): Promise<T> {
  const flowgate = await createFlowgate({ db, workers: false });
  try {
    return await work(flowgate);
  } finally {
    await flowgate.close();
  }
}
