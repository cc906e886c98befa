/**
 * A run's DAG drawn with React Flow, laid out by elkjs in a worker, each step coloured by its state with an icon and
 * the state in words (colour is never the only sign). Loaded on demand: the rest of the UI does not carry it.
 * The run page's table shows the same states for keyboard and screen-reader users; this drawing is a picture.
 */
import { Background, Controls, Position, ReactFlow, type Edge, type Node } from '@xyflow/react';
import '@xyflow/react/dist/style.css';
import { useEffect, useMemo, useState } from 'react';

import type { DagNode } from '../api/types';
import { layoutGraph, type Positions } from '../lib/layout';
import { statusText } from '../lib/status';

const WIDTH = 190;
const HEIGHT = 60;
/**
 * Above this many steps the drawing opens on the start of the DAG at a readable zoom and draws only what is in view
 * (React Flow's `onlyRenderVisibleElements`): fitting 500 steps into the frame would draw every one of them
 * unreadably small, and doing so in one go held the main thread for over 200 ms (bench U1).
 */
const LARGE_GRAPH = 100;
/** Space left of and above the step a large drawing opens on. */
const MARGIN = 24;

export const STATUS_ICON: Record<string, string> = {
  completed: '✓',
  failed: '✗',
  running: '▶',
  waiting_hitl: '⏸',
  pending: '○',
  skipped: '↷',
  cancelled: '⊘',
};

interface Props {
  readonly nodes: readonly DagNode[];
  /** Each step's state; without it (a DAG, not a run) the steps show their type. */
  readonly states?: Readonly<Record<string, string>>;
  /** A step to mark (the request page's gate). */
  readonly highlight?: string;
  /** Problems by step (the editor's validation), shown on the step. */
  readonly problems?: Readonly<Record<string, string>>;
  /** Makes the drawing an editor's: dragging from a step's right handle to another's left one connects them. */
  readonly onConnect?: (source: string, target: string) => void;
  /** A smaller drawing (beside a request). */
  readonly compact?: boolean;
  /** Called with a step's id when it is clicked (the run page shows that step's row). */
  readonly onSelect?: (nodeId: string) => void;
}

export default function RunGraph({
  nodes,
  states,
  highlight,
  problems,
  onConnect,
  compact = false,
  onSelect,
}: Props) {
  const [positions, setPositions] = useState<Positions | null>(null);
  const [error, setError] = useState<string | null>(null);
  // Layout depends on the shape only: a state change recolours without laying out again.
  const shape = useMemo(() => JSON.stringify(nodes.map((n) => [n.id, n.dependencies])), [nodes]);

  useEffect(() => {
    let current = true;
    const edges = nodes.flatMap((n) =>
      n.dependencies.map((dep) => ({ id: `${dep}->${n.id}`, source: dep, target: n.id })),
    );
    layoutGraph(
      nodes.map((n) => ({ id: n.id, width: WIDTH, height: HEIGHT })),
      edges,
    ).then(
      (laidOut) => current && setPositions(laidOut),
      (cause: unknown) => current && setError(String(cause)),
    );
    return () => {
      current = false;
    };
    // `shape` stands for `nodes` here: a new array of the same steps must not lay out again.
  }, [shape]);

  const flowNodes: Node[] = useMemo(
    () =>
      nodes.map((n) => {
        const status = states ? (states[n.id] ?? 'pending') : 'definition';
        const problem = problems?.[n.id];
        return {
          id: n.id,
          position: positions?.[n.id] ?? { x: 0, y: 0 },
          data: {
            label: (
              <span data-node-id={n.id} data-status={status} data-problem={problem}>
                <strong>{n.name ?? n.id}</strong>
                {n.id === highlight ? ' (this request)' : ''}
                <br />
                {states ? (
                  <>
                    <span aria-hidden="true">{STATUS_ICON[status] ?? '•'}</span>{' '}
                    {statusText(status)}
                  </>
                ) : (
                  (n.sourceType ?? n.type)
                )}
                {problem ? (
                  <>
                    <br />
                    <span className="node-problem-text">⚠ {problem}</span>
                  </>
                ) : null}
              </span>
            ),
          },
          className: `flow-node node-${status}${n.id === highlight ? ' node-highlight' : ''}${
            problem ? ' node-problem' : ''
          }`,
          style: { width: WIDTH, height: HEIGHT },
          // Laid out left to right: edges leave on the right and arrive on the left.
          sourcePosition: Position.Right,
          targetPosition: Position.Left,
          draggable: false,
          connectable: onConnect !== undefined,
        };
      }),
    [nodes, states, positions, highlight, problems, onConnect],
  );
  const large = nodes.length > LARGE_GRAPH;
  // Where a large drawing opens, at zoom 1: on the request's gate when there is one, else on the top left step
  // (the start). Set as the initial viewport rather than fitted after drawing, so that the steps in view are drawn
  // once, not once before the fit and again after it.
  const firstView = useMemo(() => {
    if (!large || !positions) return undefined;
    const anchor =
      (highlight ? positions[highlight] : undefined) ??
      Object.values(positions).sort((a, b) => a.x - b.x || a.y - b.y)[0];
    return anchor ? { x: MARGIN - anchor.x, y: MARGIN - anchor.y, zoom: 1 } : undefined;
  }, [large, positions, highlight]);
  const flowEdges: Edge[] = useMemo(
    () =>
      nodes.flatMap((n) =>
        n.dependencies.map((dep) => ({
          id: `${dep}->${n.id}`,
          source: dep,
          target: n.id,
          animated: states?.[n.id] === 'running',
        })),
      ),
    [nodes, states],
  );

  if (error) return <p className="error">The graph could not be drawn: {error}</p>;
  if (!positions) return <p role="status">Drawing the graph…</p>;
  return (
    <>
      {large ? (
        <p className="hint" data-testid="large-graph-hint">
          {nodes.length} steps: the drawing opens on{' '}
          {highlight && positions[highlight] ? 'this request' : 'the start'}; drag or zoom out to
          see the rest (the table lists every step).
        </p>
      ) : null}
      <figure
        className={compact ? 'run-graph compact' : 'run-graph'}
        aria-label="The run's steps as a graph (the table lists the same states)"
      >
        <ReactFlow
          nodes={flowNodes}
          edges={flowEdges}
          fitView={!firstView}
          {...(firstView ? { defaultViewport: firstView } : {})}
          onlyRenderVisibleElements={large}
          minZoom={large ? 0.05 : 0.5}
          nodesDraggable={false}
          nodesConnectable={onConnect !== undefined}
          onConnect={(connection) => {
            if (connection.source && connection.target && connection.source !== connection.target)
              onConnect?.(connection.source, connection.target);
          }}
          {...(onSelect ? { onNodeClick: (_: unknown, node: Node) => onSelect(node.id) } : {})}
          proOptions={{ hideAttribution: true }}
        >
          <Background />
          <Controls showInteractive={false} />
        </ReactFlow>
      </figure>
    </>
  );
}
