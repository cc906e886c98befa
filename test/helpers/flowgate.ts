import { createFlowgate, type Flowgate, type FlowgateOptions } from '../../src/app/flowgate.js';
import { createTestDatabase, type DialectName, type TestDatabase } from './dialects.js';

export interface TestFlowgate {
  readonly flowgate: Flowgate;
  readonly db: TestDatabase;
  close(): Promise<void>;
}

/**
 * A Flowgate on a fresh database of the dialect, with fast polling so that tests never wait long for a worker.
 * Errors the worker loop survives fail loudly instead of passing silently.
 */
export async function startTestFlowgate(
  dialect: DialectName,
  options: Omit<FlowgateOptions, 'db'> = {},
): Promise<TestFlowgate> {
  const db = await createTestDatabase(dialect);
  const errors: unknown[] = [];
  const flowgate = await createFlowgate({
    db: db.url,
    onError: (error) => errors.push(error),
    ...options,
    workers:
      options.workers === false
        ? false
        : { pollMs: 50, leaseMs: 5_000, ...(options.workers ?? {}) },
  });
  return {
    flowgate,
    db,
    async close() {
      await flowgate.close();
      await db.drop();
      if (errors.length > 0) throw new AggregateError(errors, 'the worker loop reported errors');
    },
  };
}

/** A plan-format DAG from a compact list: `[id, type, deps, extra]`. */
export function plan(
  dagId: string,
  nodes: readonly {
    id: string;
    type?: string;
    deps?: string[];
    agent?: string;
    tool?: string;
    config?: Record<string, unknown>;
    [key: string]: unknown;
  }[],
  extra: Record<string, unknown> = {},
): Record<string, unknown> {
  return {
    dag_id: dagId,
    ...extra,
    nodes: nodes.map(({ id, type, deps, agent, tool, config, ...rest }) => ({
      node_id: id,
      node_type: type ?? (tool ? 'tool' : 'agent'),
      ...(agent || (!tool && (type ?? 'agent') === 'agent')
        ? { agent_id: agent ?? 'echo_agent' }
        : {}),
      ...(tool ? { tool_name: tool } : {}),
      ...(config ? { config } : {}),
      dependencies: deps ?? [],
      ...rest,
    })),
  };
}
