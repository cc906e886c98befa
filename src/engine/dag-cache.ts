import type { DagDefinition } from '../definition/index.js';
import type { Tx } from '../store/port.js';
import { getDagVersion } from '../store/repositories/dags.js';
import { FlowgateError } from '../shared/errors.js';

/**
 * DAG versions are immutable, so a definition read once serves every later transition of every run pinned to it.
 * Bounded so that a server holding thousands of DAGs keeps only the ones in use.
 */
export class DagCache {
  readonly #entries = new Map<string, DagDefinition>();
  readonly #capacity: number;

  constructor(capacity = 500) {
    this.#capacity = capacity;
  }

  async get(tx: Tx, dagId: string, version: number): Promise<DagDefinition> {
    const key = `${version}:${dagId}`;
    const cached = this.#entries.get(key);
    if (cached) {
      // Move to the end: Map iteration order makes the first entry the least recently used.
      this.#entries.delete(key);
      this.#entries.set(key, cached);
      return cached;
    }
    const row = await getDagVersion(tx, dagId, version);
    if (!row)
      throw new FlowgateError('NOT_FOUND', `DAG ${dagId} version ${version} does not exist`);
    const dag = JSON.parse(row.definition) as DagDefinition;
    this.remember(dag, version);
    return dag;
  }

  /** The newest version of a DAG (what a sub-DAG node without a pinned version runs). */
  async latestVersion(tx: Tx, dagId: string): Promise<number> {
    const row = await getDagVersion(tx, dagId);
    if (!row) throw new FlowgateError('NOT_FOUND', `DAG ${dagId} does not exist`);
    return row.version;
  }

  /** Adds a definition just stored, saving the read. */
  remember(dag: DagDefinition, version: number): void {
    const key = `${version}:${dag.dagId}`;
    this.#entries.set(key, dag);
    if (this.#entries.size > this.#capacity) {
      const oldest = this.#entries.keys().next().value;
      if (oldest !== undefined) this.#entries.delete(oldest);
    }
  }
}
