import type { DagProblem } from './model.js';

// Document fields in the order a reader meets them: identity, then the graph, then the rest.
const FIELD_RANK = [
  'dag_id',
  'id',
  'name',
  'type',
  'nodes',
  'stages',
  'edges',
  'start_nodes',
  'startNodes',
];

/** The part of a path that names one thing in the document: `nodes[3]`, `edges[0]`, `settings`. */
function placeOf(path: string): { rank: number; field: string; index: number } {
  const match = /^([^.[]*)(?:\[(\d+)\])?/.exec(path);
  const field = match?.[1] ?? '';
  const rank = field === '' ? -1 : FIELD_RANK.indexOf(field);
  return {
    rank: rank === -1 && field !== '' ? FIELD_RANK.length : rank,
    field,
    index: match?.[2] === undefined ? -1 : Number(match[2]),
  };
}

/**
 * Orders problems by the thing they are about, in document order (`nodes[2]` before `nodes[10]`, nodes
 * before edges), so a reader can fix them top to bottom; the problems of one node keep the order they were
 * found in. Exact repeats are dropped.
 */
export function orderProblems(problems: readonly DagProblem[]): DagProblem[] {
  const seen = new Set<string>();
  return problems
    .filter((problem) => {
      const key = `${problem.code}\u0000${problem.path}\u0000${problem.message}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    })
    .map((problem, order) => ({ problem, order, place: placeOf(problem.path) }))
    .sort(
      (left, right) =>
        left.place.rank - right.place.rank ||
        (left.place.field < right.place.field
          ? -1
          : left.place.field > right.place.field
            ? 1
            : 0) ||
        left.place.index - right.place.index ||
        left.order - right.order,
    )
    .map(({ problem }) => problem);
}
