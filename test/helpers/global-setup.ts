import type { TestProject } from 'vitest/node';

import { startPostgres, type PostgresServer } from './postgres-server.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The PostgreSQL server's admin URL, or '' when the run is limited to SQLite (DIALECTS=sqlite). */
    postgresUrl: string;
  }
}

let server: PostgresServer | undefined;

/** One PostgreSQL server for the whole run; each test file makes its own database on it. */
export async function setup(project: TestProject): Promise<void> {
  const dialects = (process.env.DIALECTS ?? 'sqlite,postgres').split(',');
  if (dialects.includes('postgres')) server = await startPostgres();
  project.provide('postgresUrl', server?.url ?? '');
}

export async function teardown(): Promise<void> {
  await server?.stop();
}
