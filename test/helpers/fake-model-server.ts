/**
 * A model provider on 127.0.0.1 for the AI tests: it speaks OpenAI's chat-completions protocol (JSON, and SSE when
 * the request asks to stream) at any path ending in `/chat/completions` (openai, openai-compatible, groq,
 * perplexity), and Gemini's `models/<model>:generateContent`. It answers from a queue scripted by the test (text,
 * tool calls, JSON, HTTP errors with headers) and records every request, so the real provider packages run against
 * it through their `baseURL` and no test needs the internet.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeUsage {
  readonly input: number;
  readonly output: number;
  readonly cached?: number;
  readonly reasoning?: number;
  /** Reported as `usage.cost` (what some providers and gateways do). */
  readonly cost?: number;
}

export type ScriptedAnswer =
  | { readonly text: string; readonly usage?: FakeUsage; readonly model?: string }
  | {
      readonly toolCalls: readonly { id?: string; name: string; args: unknown }[];
      /** What the model says before its calls (its reasoning, as a person reviewing a call reads it). */
      readonly text?: string;
      readonly usage?: FakeUsage;
      readonly model?: string;
    }
  | { readonly json: unknown; readonly usage?: FakeUsage; readonly model?: string }
  | {
      readonly status: number;
      readonly body?: unknown;
      readonly headers?: Readonly<Record<string, string>>;
    }
  /** Never answers (until the server closes): a call in flight when a worker is killed. */
  | { readonly hang: true };

/** The parts of the two protocols' request bodies that tests look at. */
export interface FakeRequestBody {
  readonly model?: string;
  readonly stream?: boolean;
  readonly messages?: readonly { role: string; content: string; tool_call_id?: string }[];
  readonly tools?: readonly { function: { name: string; parameters: unknown } }[];
  readonly contents?: readonly { role?: string; parts: { text?: string }[] }[];
  readonly generationConfig?: { responseMimeType?: string };
}

export interface ReceivedRequest {
  readonly protocol: 'openai' | 'gemini';
  readonly path: string;
  readonly headers: IncomingMessage['headers'];
  readonly body: FakeRequestBody;
  /** Milliseconds since the epoch when it arrived. */
  readonly at: number;
}

export interface FakeModelServer {
  /** `http://127.0.0.1:PORT/v1`: the base URL for OpenAI-style providers. */
  readonly openaiBaseUrl: string;
  /** `http://127.0.0.1:PORT/v1beta`: the base URL for Gemini. */
  readonly geminiBaseUrl: string;
  readonly received: ReceivedRequest[];
  /** Answers still queued. */
  readonly pending: number;
  enqueue(...answers: ScriptedAnswer[]): void;
  close(): Promise<void>;
}

const DEFAULT_USAGE: FakeUsage = { input: 10, output: 5 };

export async function startFakeModelServer(): Promise<FakeModelServer> {
  const queue: ScriptedAnswer[] = [];
  const received: ReceivedRequest[] = [];
  let calls = 0;
  const hanging = new Set<ServerResponse>();

  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      const path = request.url ?? '/';
      let body: FakeRequestBody = {};
      try {
        body = (JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') ??
          {}) as FakeRequestBody;
      } catch {
        body = {};
      }
      const gemini = /\/models\/([^/:]+):(generateContent|streamGenerateContent)/.exec(path);
      const openai = path.split('?')[0]!.endsWith('/chat/completions');
      if (request.method !== 'POST' || (!gemini && !openai)) {
        reply(response, 404, { error: { message: `no route ${request.method} ${path}` } });
        return;
      }
      received.push({
        protocol: gemini ? 'gemini' : 'openai',
        path,
        headers: request.headers,
        body,
        at: Date.now(),
      });
      const answer = queue.shift();
      calls += 1;
      if (!answer) {
        reply(response, 500, { error: { message: 'the fake model server has nothing queued' } });
        return;
      }
      if ('hang' in answer) {
        hanging.add(response);
        return;
      }
      if ('status' in answer) {
        reply(
          response,
          answer.status,
          answer.body ?? { error: { message: `scripted ${answer.status}`, type: 'scripted' } },
          answer.headers,
        );
        return;
      }
      const requestBody = body;
      if (gemini) {
        reply(response, 200, geminiAnswer(answer, gemini[1]!, calls));
      } else if (requestBody?.stream === true) {
        streamOpenAi(response, answer, requestBody.model ?? 'model', calls);
      } else {
        reply(response, 200, openAiAnswer(answer, requestBody?.model ?? 'model', calls));
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    openaiBaseUrl: `http://127.0.0.1:${port}/v1`,
    geminiBaseUrl: `http://127.0.0.1:${port}/v1beta`,
    received,
    get pending() {
      return queue.length;
    },
    enqueue: (...answers) => queue.push(...answers),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function reply(
  response: ServerResponse,
  status: number,
  body: unknown,
  headers: Readonly<Record<string, string>> = {},
): void {
  response.writeHead(status, { 'content-type': 'application/json', ...headers });
  response.end(JSON.stringify(body));
}

type Answer = Exclude<ScriptedAnswer, { status: number } | { hang: true }>;

function openAiUsage(usage: FakeUsage) {
  return {
    prompt_tokens: usage.input,
    completion_tokens: usage.output,
    total_tokens: usage.input + usage.output,
    prompt_tokens_details: { cached_tokens: usage.cached ?? 0 },
    completion_tokens_details: { reasoning_tokens: usage.reasoning ?? 0 },
    ...(usage.cost !== undefined ? { cost: usage.cost } : {}),
  };
}

function openAiMessage(
  answer: Answer,
  call: number,
): { role: string; content: string | null; tool_calls?: object[] } {
  if ('toolCalls' in answer) {
    return {
      role: 'assistant',
      content: answer.text ?? null,
      tool_calls: answer.toolCalls.map((toolCall, index) => ({
        id: toolCall.id ?? `call_${call}_${index}`,
        type: 'function',
        function: { name: toolCall.name, arguments: JSON.stringify(toolCall.args) },
      })),
    };
  }
  return {
    role: 'assistant',
    content: 'json' in answer ? JSON.stringify(answer.json) : answer.text,
  };
}

function openAiAnswer(answer: Answer, requested: string, call: number) {
  return {
    id: `chatcmpl-${call}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: answer.model ?? requested,
    choices: [
      {
        index: 0,
        message: openAiMessage(answer, call),
        finish_reason: 'toolCalls' in answer ? 'tool_calls' : 'stop',
      },
    ],
    usage: openAiUsage(answer.usage ?? DEFAULT_USAGE),
  };
}

/** The same answer as server-sent events: the content in two deltas, tool calls whole, usage last. */
function streamOpenAi(response: ServerResponse, answer: Answer, requested: string, call: number) {
  response.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  const base = {
    id: `chatcmpl-${call}`,
    object: 'chat.completion.chunk',
    created: Math.floor(Date.now() / 1000),
    model: answer.model ?? requested,
  };
  const send = (data: unknown) => response.write(`data: ${JSON.stringify(data)}\n\n`);
  const message = openAiMessage(answer, call);
  if (message.tool_calls) {
    send({
      ...base,
      choices: [
        {
          index: 0,
          delta: {
            role: 'assistant',
            ...(message.content !== null ? { content: message.content } : {}),
            tool_calls: message.tool_calls.map((t, index) => ({ index, ...t })),
          },
        },
      ],
    });
  } else {
    const content = message.content ?? '';
    const half = Math.ceil(content.length / 2);
    for (const piece of [content.slice(0, half), content.slice(half)]) {
      send({ ...base, choices: [{ index: 0, delta: { role: 'assistant', content: piece } }] });
    }
  }
  send({
    ...base,
    choices: [
      { index: 0, delta: {}, finish_reason: 'toolCalls' in answer ? 'tool_calls' : 'stop' },
    ],
  });
  send({ ...base, choices: [], usage: openAiUsage(answer.usage ?? DEFAULT_USAGE) });
  response.end('data: [DONE]\n\n');
}

function geminiAnswer(answer: Answer, model: string, call: number) {
  const usage = answer.usage ?? DEFAULT_USAGE;
  const parts =
    'toolCalls' in answer
      ? [
          ...(answer.text !== undefined ? [{ text: answer.text }] : []),
          ...answer.toolCalls.map((toolCall) => ({
            functionCall: { name: toolCall.name, args: toolCall.args },
          })),
        ]
      : [{ text: 'json' in answer ? JSON.stringify(answer.json) : answer.text }];
  return {
    candidates: [{ content: { role: 'model', parts }, finishReason: 'STOP', index: 0 }],
    usageMetadata: {
      promptTokenCount: usage.input,
      candidatesTokenCount: usage.output - (usage.reasoning ?? 0),
      ...(usage.reasoning ? { thoughtsTokenCount: usage.reasoning } : {}),
      ...(usage.cached ? { cachedContentTokenCount: usage.cached } : {}),
      totalTokenCount: usage.input + usage.output,
    },
    modelVersion: answer.model ?? model,
    responseId: `gemini-${call}`,
  };
}
