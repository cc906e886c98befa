/**
 * Lays out a run's graph with elkjs (layered, left to right) off the main thread: a large DAG's layout must not
 * freeze the page. Receives `{requestId, nodes, edges}`, answers `{requestId, positions}` or `{requestId, error}`.
 */
import ELK from 'elkjs/lib/elk.bundled.js';

interface LayoutRequest {
  readonly requestId: number;
  readonly nodes: readonly { id: string; width: number; height: number }[];
  readonly edges: readonly { id: string; source: string; target: string }[];
}

const elk = new ELK();
/**
 * Above this many steps crossing minimisation tries fewer orderings (ELK's thoroughness 1, not 7): a 500-step graph
 * laid out in seconds, not tens of seconds on a busy machine, and the drawing opens on a part of it anyway.
 */
const LARGE = 100;

self.onmessage = (message: MessageEvent<LayoutRequest>) => {
  const { requestId, nodes, edges } = message.data;
  elk
    .layout({
      id: 'root',
      layoutOptions: {
        'elk.algorithm': 'layered',
        'elk.direction': 'RIGHT',
        'elk.spacing.nodeNode': '32',
        'elk.layered.spacing.nodeNodeBetweenLayers': '64',
        ...(nodes.length > LARGE ? { 'elk.layered.thoroughness': '1' } : {}),
      },
      children: nodes.map((node) => ({ ...node })),
      edges: edges.map((edge) => ({ id: edge.id, sources: [edge.source], targets: [edge.target] })),
    })
    .then(
      (graph) => {
        const positions: Record<string, { x: number; y: number }> = {};
        for (const child of graph.children ?? []) {
          positions[child.id] = { x: child.x ?? 0, y: child.y ?? 0 };
        }
        self.postMessage({ requestId, positions });
      },
      (error: unknown) => self.postMessage({ requestId, error: String(error) }),
    );
};
