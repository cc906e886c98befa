/**
 * `flowgate run` with an AI node: the provider is configured by the usual variables alone (a local OpenAI-compatible
 * server here, the fake one), prices by FLOWGATE_MODEL_PRICES, and a bad price file stops the command with a clear
 * error. The CLI runs as a real child process.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';

import { killAllCli, printedResult, runCli } from '../cli/cli-process.js';
import { startFakeModelServer, type FakeModelServer } from '../helpers/fake-model-server.js';

describe('flowgate run with an AI node', () => {
  let dir: string;
  let server: FakeModelServer;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'flowgate-ai-cli-'));
    server = await startFakeModelServer();
    writeFileSync(
      join(dir, 'summary.json'),
      JSON.stringify({
        dag_id: 'summary',
        nodes: [
          {
            node_id: 'summarise',
            node_type: 'agent',
            config: {
              provider: 'openai-compatible',
              model: 'llama3.2',
              prompt: 'Summarise: {{ input.text }}',
            },
          },
        ],
      }),
    );
  });
  afterEach(killAllCli);
  afterAll(async () => {
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reaches the server named by OPENAI_COMPATIBLE_BASE_URL and prices the call from FLOWGATE_MODEL_PRICES', async () => {
    const prices = join(dir, 'prices.json');
    writeFileSync(
      prices,
      JSON.stringify({ 'openai-compatible:llama3.2': { input: 1, output: 2 } }),
    );
    server.enqueue({ text: 'Short.', usage: { input: 1_000_000, output: 500_000 } });
    const { code, stdout, stderr } = await runCli(
      [
        'run',
        join(dir, 'summary.json'),
        '--db',
        `sqlite:${join(dir, 'run.db')}`,
        '--input',
        '{"text": "a long text"}',
      ],
      {
        env: {
          OPENAI_COMPATIBLE_BASE_URL: server.openaiBaseUrl,
          OPENAI_COMPATIBLE_API_KEY: 'local-key',
          FLOWGATE_MODEL_PRICES: prices,
        },
      },
    );
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(printedResult(stdout)).toMatchObject({
      text: 'Short.',
      usage: { calls: 1, costUsd: 2, unpricedCalls: 0 },
    });
    const request = server.received.at(-1)!;
    expect(request.headers.authorization).toBe('Bearer local-key');
    expect(request.body.messages).toEqual([{ role: 'user', content: 'Summarise: a long text' }]);
  });

  it('stops with a clear error when the price file is wrong', async () => {
    const prices = join(dir, 'bad-prices.json');
    writeFileSync(prices, JSON.stringify({ 'llama3.2': { input: 'cheap' } }));
    const { code, stderr } = await runCli(
      ['run', join(dir, 'summary.json'), '--db', `sqlite:${join(dir, 'bad.db')}`],
      { env: { OPENAI_COMPATIBLE_BASE_URL: server.openaiBaseUrl, FLOWGATE_MODEL_PRICES: prices } },
    );
    expect(code).not.toBe(0);
    expect(stderr).toContain('FLOWGATE_MODEL_PRICES');
    expect(stderr).toContain('provider:model');
    expect(stderr).not.toMatch(/^\s+at /m);
  });
});
