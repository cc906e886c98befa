/** The layout worker's client: one worker per tab, answers matched to questions by id. */
export type Positions = Record<string, { x: number; y: number }>;

let worker: Worker | null = null;
let nextId = 0;
const waiting = new Map<number, { resolve: (p: Positions) => void; reject: (e: Error) => void }>();

function layoutWorker(): Worker {
  if (worker) return worker;
  worker = new Worker(new URL('./layout.worker.ts', import.meta.url), { type: 'module' });
  worker.onmessage = (
    message: MessageEvent<{ requestId: number; positions?: Positions; error?: string }>,
  ) => {
    const { requestId, positions, error } = message.data;
    const pending = waiting.get(requestId);
    waiting.delete(requestId);
    if (!pending) return;
    if (positions) pending.resolve(positions);
    else pending.reject(new Error(error ?? 'layout failed'));
  };
  return worker;
}

export function layoutGraph(
  nodes: readonly { id: string; width: number; height: number }[],
  edges: readonly { id: string; source: string; target: string }[],
): Promise<Positions> {
  const requestId = ++nextId;
  const start = performance.now();
  return new Promise((resolve, reject) => {
    waiting.set(requestId, {
      resolve: (positions) => {
        // Seen in the browser's performance panel, and read by the benchmark (bench/ui/u1-ui.ts).
        performance.measure('flowgate:layout', { start, detail: { nodes: nodes.length } });
        resolve(positions);
      },
      reject,
    });
    layoutWorker().postMessage({ requestId, nodes, edges });
  });
}
