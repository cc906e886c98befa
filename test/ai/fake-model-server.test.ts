/**
 * The fake model server against the real provider packages, outside any workflow: streaming (SSE) as the SDK reads
 * it, and Gemini's protocol for tool calls. The AI node tests rely on the rest.
 */
import { createGoogleGenerativeAI } from '@ai-sdk/google';
import { createOpenAI } from '@ai-sdk/openai';
import { generateText, jsonSchema, streamText, tool } from 'ai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { startFakeModelServer, type FakeModelServer } from '../helpers/fake-model-server.js';

let server: FakeModelServer;
beforeAll(async () => {
  server = await startFakeModelServer();
});
afterAll(async () => {
  await server.close();
});

describe('fake model server', () => {
  it('streams an OpenAI chat completion as server-sent events, usage last', async () => {
    server.enqueue({ text: 'Hello there', usage: { input: 7, output: 3 } });
    const openai = createOpenAI({ apiKey: 'k', baseURL: server.openaiBaseUrl });
    const result = streamText({ model: openai.chat('gpt-4o-mini'), prompt: 'Hi', maxRetries: 0 });
    const pieces: string[] = [];
    for await (const piece of result.textStream) pieces.push(piece);
    expect(pieces.join('')).toBe('Hello there');
    expect(pieces.length).toBeGreaterThan(1);
    expect((await result.usage).inputTokens).toBe(7);
    expect(server.received.at(-1)!.body.stream).toBe(true);
  });

  it("speaks Gemini's function calls", async () => {
    server.enqueue({
      toolCalls: [{ name: 'lookup', args: { q: 'x' } }],
      usage: { input: 4, output: 2 },
    });
    const google = createGoogleGenerativeAI({ apiKey: 'k', baseURL: server.geminiBaseUrl });
    const result = await generateText({
      model: google('gemini-2.5-flash'),
      prompt: 'Find x',
      tools: { lookup: tool({ inputSchema: jsonSchema({ type: 'object' }) }) },
      maxRetries: 0,
    });
    expect(result.toolCalls.map((c): unknown[] => [c.toolName, c.input as unknown])).toEqual([
      ['lookup', { q: 'x' }],
    ]);
    expect(result.usage.inputTokens).toBe(4);
  });
});
