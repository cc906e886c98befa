/**
 * Finds the cycles of a dependency graph: one per strongly connected component that has one (Tarjan's
 * algorithm, iterative so that a chain of thousands of nodes cannot overflow the stack).
 *
 * @param dependencies for each node index, the indexes of the nodes it depends on.
 * @returns for each such component, its members and one cycle through it: node indexes in the order
 *   work flows (`a → b` means b depends on a), from the component's first node in document order back to
 *   it. Components come in document order.
 */
export function findCycles(
  dependencies: readonly (readonly number[])[],
): { members: number[]; cycle: number[] }[] {
  return stronglyConnectedComponents(dependencies)
    .filter(
      (component) => component.length > 1 || dependencies[component[0]!]!.includes(component[0]!),
    )
    .map((members) => ({ members, cycle: nameCycle(members, dependencies) }))
    .sort((left, right) => left.members[0]! - right.members[0]!);
}

function stronglyConnectedComponents(edges: readonly (readonly number[])[]): number[][] {
  const count = edges.length;
  const order = new Array<number>(count).fill(-1);
  const low = new Array<number>(count).fill(0);
  const onStack = new Array<boolean>(count).fill(false);
  const stack: number[] = [];
  const components: number[][] = [];
  let counter = 0;

  for (let root = 0; root < count; root++) {
    if (order[root] !== -1) continue;
    // Each frame is a node and how many of its edges have been followed.
    const frames: [number, number][] = [[root, 0]];
    order[root] = low[root] = counter++;
    stack.push(root);
    onStack[root] = true;
    while (frames.length > 0) {
      const frame = frames[frames.length - 1]!;
      const [node, next] = frame;
      const targets = edges[node]!;
      if (next < targets.length) {
        frame[1]++;
        const target = targets[next]!;
        if (order[target] === -1) {
          order[target] = low[target] = counter++;
          stack.push(target);
          onStack[target] = true;
          frames.push([target, 0]);
        } else if (onStack[target]) {
          low[node] = Math.min(low[node]!, order[target]!);
        }
        continue;
      }
      frames.pop();
      const parent = frames[frames.length - 1];
      if (parent) low[parent[0]] = Math.min(low[parent[0]]!, low[node]!);
      if (low[node] === order[node]) {
        const component: number[] = [];
        let member: number;
        do {
          member = stack.pop()!;
          onStack[member] = false;
          component.push(member);
        } while (member !== node);
        components.push(component.sort((left, right) => left - right));
      }
    }
  }
  return components;
}

/** The shortest cycle through the component's first node, found by a breadth-first search inside it. */
function nameCycle(
  component: readonly number[],
  dependencies: readonly (readonly number[])[],
): number[] {
  const start = component[0]!;
  if (dependencies[start]!.includes(start)) return [start, start];
  const members = new Set(component);
  // Walk against the flow (from a node to its dependencies) until reaching a node that depends on start.
  const cameFrom = new Map<number, number>([[start, start]]);
  const queue = [start];
  for (let head = 0; head < queue.length; head++) {
    const node = queue[head]!;
    for (const dependency of dependencies[node]!) {
      if (!members.has(dependency) || cameFrom.has(dependency)) continue;
      cameFrom.set(dependency, node);
      if (dependencies[dependency]!.includes(start)) {
        // dependency → ... → start in flow order, and start → dependency closes the loop.
        const path = [dependency];
        let current = dependency;
        while (current !== start) {
          current = cameFrom.get(current)!;
          path.push(current);
        }
        return [start, ...path];
      }
      queue.push(dependency);
    }
  }
  return [start, start];
}
