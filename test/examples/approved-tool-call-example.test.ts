import { spawn } from 'node:child_process';
import { join } from 'node:path';

import { afterEach, describe, expect, it } from 'vitest';

import { createTestDatabase, type TestDatabase } from '../helpers/dialects.js';
import { startFakeModelServer, type FakeModelServer } from '../helpers/fake-model-server.js';

describe('examples/approved-tool-call.ts', () => {
  let db: TestDatabase | undefined;
  let server: FakeModelServer | undefined;
  afterEach(async () => {
    await server?.close();
    await db?.drop();
    server = undefined;
    db = undefined;
  });

  it('waits for the person at the terminal, runs the refund with the amount they chose, and tells the model', async () => {
    db = await createTestDatabase('sqlite');
    server = await startFakeModelServer();
    server.enqueue(
      { toolCalls: [{ id: 'c1', name: 'get_order', args: { orderId: 'A-1001' } }] },
      {
        text: 'The kettle cost 49; refunding in full.',
        toolCalls: [{ id: 'c2', name: 'refund', args: { orderId: 'A-1001', amountUsd: 49 } }],
      },
      { text: 'Refunded $40.' },
    );
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        join(import.meta.dirname, '../../examples/approved-tool-call.ts'),
        db.url,
      ],
      {
        env: { ...process.env, OPENAI_COMPATIBLE_BASE_URL: server.openaiBaseUrl },
        stdio: ['pipe', 'pipe', 'inherit'],
      },
    );
    let stdout = '';
    let answered = false;
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      // Answer once the question is on the screen (readline reads lines only while it asks).
      if (!answered && stdout.includes('or reject (r)?')) {
        answered = true;
        child.stdin.write('a 40\n');
      }
    });
    const code = await new Promise<number | null>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`the example did not finish:\n${stdout}`));
      }, 45_000);
      child.on('exit', (exitCode) => {
        clearTimeout(timer);
        resolve(exitCode);
      });
    });
    expect(code, stdout).toBe(0);
    expect(stdout).toContain('Allow agent to run refund?');
    expect(stdout).toContain('arguments: {"orderId":"A-1001","amountUsd":49}');
    expect(stdout).toContain("the agent's reasoning: The kettle cost 49; refunding in full.");
    expect(stdout).toContain('(refunding $40 of A-1001');
    expect(stdout).toContain('Run completed: {"text":"Refunded $40."');
    const told = JSON.parse(server.received[2]!.body.messages!.at(-1)!.content) as object;
    expect(told).toMatchObject({ result: { refunded: 40 }, arguments: { amountUsd: 40 } });
  });
});
