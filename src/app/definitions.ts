/** DAG documents and stored DAGs as the shells see them (they do not import src/definition or src/store). */
export { readDagFile } from '../definition/index.js';
export type { DagDefinition } from '../definition/index.js';
export type { DagRecord } from '../store/repositories/dags.js';
