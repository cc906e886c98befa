/**
 * The model gateway: one model call through the AI SDK, tried again on Flowgate's policy (the SDK's own retries are
 * off), every try reported to the caller (who records it before anything else happens), and priced.
 *
 * A call is one step of a conversation: the SDK gets tools without `execute`, so it returns the model's tool calls
 * instead of running them, and the tool loop (`agent-loop.ts`) runs them itself, durably.
 */
import {
  APICallError,
  Output,
  generateText,
  jsonSchema,
  NoObjectGeneratedError,
  type LanguageModelUsage,
  type ModelMessage,
  type ToolSet,
} from 'ai';

import type { AiProvider } from '../definition/ai-spec.js';
import { outputValidator } from '../definition/ai-spec.js';
import type { Clock } from '../shared/clock.js';
import { FlowgateError } from '../shared/errors.js';
import type { CallCost, CallUsage, PriceBook } from './pricing.js';
import type { ProviderCatalog } from './providers.js';
import { DEFAULT_MODEL_RETRY, retryVerdict, type ModelRetryPolicy } from './retry-policy.js';

export interface ModelRequest {
  readonly provider: AiProvider;
  readonly model: string;
  readonly system?: string;
  readonly messages: readonly ModelMessage[];
  /** Tools the model may call, without `execute`. */
  readonly tools?: ToolSet;
  /** A JSON Schema for a structured final answer. */
  readonly output?: Readonly<Record<string, unknown>>;
  readonly temperature?: number;
  readonly maxOutputTokens?: number;
  readonly signal: AbortSignal;
}

export interface RequestedToolCall {
  readonly toolCallId: string;
  readonly toolName: string;
  readonly input: unknown;
}

/** A model's answer, as plain JSON: what the journal stores and a resumed loop reads back. */
export interface ModelAnswer {
  /** The assistant's messages (and the SDK's error results for tool calls it could not parse). */
  readonly responseMessages: ModelMessage[];
  readonly text: string;
  /** Calls to run; invalid ones (unknown tool, unparsable input) are answered in `responseMessages` already. */
  readonly toolCalls: RequestedToolCall[];
  /** The structured answer, when an output schema was given and the model answered without tool calls. */
  readonly object?: unknown;
  readonly finishReason: string;
  readonly responseModel?: string;
}

/** One try of a model call, reported before the gateway does anything else. */
export interface ModelAttempt {
  readonly attempt: number;
  readonly startedAt: number;
  readonly finishedAt: number;
  readonly ok: boolean;
  readonly answer?: ModelAnswer;
  readonly httpStatus?: number;
  readonly error?: string;
  readonly responseModel?: string;
  readonly usage: CallUsage;
  readonly cost: CallCost;
}

export interface GatewayDeps {
  readonly providers: ProviderCatalog;
  readonly prices: PriceBook;
  readonly clock: Clock;
  readonly random: () => number;
  readonly retry?: Partial<ModelRetryPolicy>;
}

export class ModelGateway {
  readonly #deps: GatewayDeps;
  readonly #policy: ModelRetryPolicy;

  constructor(deps: GatewayDeps) {
    this.#deps = deps;
    this.#policy = { ...DEFAULT_MODEL_RETRY, ...deps.retry };
  }

  /**
   * Asks the model, trying again while the failure is retryable. `onAttempt` is awaited after every try, so a try
   * is recorded before the next one starts and before the answer is used.
   */
  async call(
    request: ModelRequest,
    onAttempt: (attempt: ModelAttempt) => Promise<void>,
  ): Promise<ModelAnswer> {
    const { clock } = this.#deps;
    for (let attempt = 1; ; attempt++) {
      const startedAt = clock.now();
      let failure: { error: unknown; usage: CallUsage; cost: CallCost; responseModel?: string };
      try {
        const { answer, usage, cost } = await this.#once(request);
        await onAttempt({
          attempt,
          startedAt,
          finishedAt: clock.now(),
          ok: true,
          answer,
          httpStatus: 200,
          ...(answer.responseModel !== undefined ? { responseModel: answer.responseModel } : {}),
          usage,
          cost,
        });
        return answer;
      } catch (error) {
        if (request.signal.aborted) throw request.signal.reason;
        failure =
          error instanceof BilledFailure
            ? {
                error: error.cause,
                usage: error.usage,
                cost: error.cost,
                ...(error.responseModel !== undefined
                  ? { responseModel: error.responseModel }
                  : {}),
              }
            : { error, usage: {}, cost: { costUsd: null, source: null } };
      }
      const facts = failureFacts(failure.error);
      const verdict = retryVerdict(facts, attempt, this.#policy, this.#deps.random, clock.now());
      await onAttempt({
        attempt,
        startedAt,
        finishedAt: clock.now(),
        ok: false,
        ...(facts.status !== undefined ? { httpStatus: facts.status } : {}),
        error: messageOf(failure.error),
        ...(failure.responseModel !== undefined ? { responseModel: failure.responseModel } : {}),
        usage: failure.usage,
        cost: failure.cost,
      });
      if (!verdict.retry) throw nodeError(request, failure.error, facts, attempt);
      await sleep(verdict.delayMs, request.signal);
    }
  }

  async #once(
    request: ModelRequest,
  ): Promise<{ answer: ModelAnswer; usage: CallUsage; cost: CallCost }> {
    const model = this.#deps.providers.model(request.provider, request.model);
    const schema = request.output;
    let result: Awaited<ReturnType<typeof generateText>>;
    try {
      result = await generateText({
        model,
        messages: [...request.messages],
        ...(request.system !== undefined ? { system: request.system } : {}),
        ...(request.tools && Object.keys(request.tools).length > 0 ? { tools: request.tools } : {}),
        ...(schema ? { output: Output.object({ schema: validatedSchema(schema) }) } : {}),
        ...(request.temperature !== undefined ? { temperature: request.temperature } : {}),
        ...(request.maxOutputTokens !== undefined
          ? { maxOutputTokens: request.maxOutputTokens }
          : {}),
        // Flowgate retries, records and prices every try; the SDK's own retries would hide them.
        maxRetries: 0,
        abortSignal: request.signal,
      });
    } catch (error) {
      // The model answered, and was paid for, but its answer missed the output schema.
      if (NoObjectGeneratedError.isInstance(error) && error.usage) {
        const usage = callUsage(error.usage);
        const responseModel = error.response?.modelId;
        throw new BilledFailure(
          error,
          usage,
          this.#deps.prices.price({
            provider: request.provider,
            model: request.model,
            responseModel,
            usage,
          }),
          responseModel,
        );
      }
      throw error;
    }
    const usage = callUsage(result.usage);
    const responseModel = result.response.modelId;
    const cost = this.#deps.prices.price({
      provider: request.provider,
      model: request.model,
      responseModel,
      usage,
      providerCostUsd: providerCost(result.providerMetadata, result.usage),
    });
    const toolCalls = result.toolCalls
      .filter((call) => !(call as { invalid?: boolean }).invalid)
      .map((call): RequestedToolCall => ({
        toolCallId: call.toolCallId,
        toolName: call.toolName,
        input: call.input as unknown,
      }));
    let object: unknown;
    if (schema && toolCalls.length === 0) {
      try {
        object = result.output;
      } catch (error) {
        // The model was paid for its answer even though the answer is unusable.
        throw new BilledFailure(error, usage, cost, responseModel);
      }
    }
    const answer: ModelAnswer = JSON.parse(
      JSON.stringify({
        responseMessages: result.response.messages,
        text: result.text,
        toolCalls,
        ...(object !== undefined ? { object } : {}),
        finishReason: result.finishReason,
        responseModel,
      }),
    ) as ModelAnswer;
    return { answer, usage, cost };
  }
}

/** A failure after the provider answered and billed: its usage and cost are recorded with the failed try. */
class BilledFailure extends Error {
  constructor(
    override readonly cause: unknown,
    readonly usage: CallUsage,
    readonly cost: CallCost,
    readonly responseModel: string | undefined,
  ) {
    super(messageOf(cause));
  }
}

function validatedSchema(schema: Readonly<Record<string, unknown>>) {
  const validator = outputValidator(schema);
  return jsonSchema<Record<string, unknown>>(schema, {
    validate: (value) => {
      const result = validator.safeParse(value);
      return result.success
        ? { success: true, value: result.data as Record<string, unknown> }
        : {
            success: false,
            error: new Error(
              result.error.issues
                .map((issue) => `${issue.path.join('.') || '(answer)'}: ${issue.message}`)
                .join('; '),
            ),
          };
    },
  });
}

function callUsage(usage: LanguageModelUsage): CallUsage {
  return {
    inputTokens: usage.inputTokens,
    outputTokens: usage.outputTokens,
    cachedInputTokens: usage.inputTokenDetails?.cacheReadTokens ?? usage.cachedInputTokens,
    cacheWriteTokens: usage.inputTokenDetails?.cacheWriteTokens,
    reasoningTokens: usage.outputTokenDetails?.reasoningTokens ?? usage.reasoningTokens,
  };
}

/** The provider's own price of the call: Perplexity's metadata, or `usage.cost` as OpenAI-style gateways report it. */
function providerCost(metadata: unknown, usage: LanguageModelUsage): number | undefined {
  const perplexity = (metadata as { perplexity?: { cost?: { totalCost?: unknown } } } | undefined)
    ?.perplexity?.cost?.totalCost;
  if (typeof perplexity === 'number') return perplexity;
  const raw = (usage.raw as { cost?: unknown } | undefined)?.cost;
  return typeof raw === 'number' ? raw : undefined;
}

function failureFacts(error: unknown): {
  status?: number;
  headers?: Record<string, string>;
  network: boolean;
} {
  if (APICallError.isInstance(error)) {
    return {
      ...(error.statusCode !== undefined ? { status: error.statusCode } : {}),
      ...(error.responseHeaders ? { headers: error.responseHeaders } : {}),
      // No status: the request never got an answer.
      network: error.statusCode === undefined && error.isRetryable,
    };
  }
  if (NoObjectGeneratedError.isInstance(error)) return { status: 200, network: false };
  return { network: false };
}

function nodeError(
  request: ModelRequest,
  error: unknown,
  facts: { status?: number; network: boolean },
  attempts: number,
): FlowgateError {
  const where = `${request.provider} model ${request.model}`;
  const status = facts.status !== undefined ? ` (HTTP ${facts.status})` : '';
  const tries = attempts > 1 ? ` after ${attempts} tries` : '';
  const invalidAnswer = NoObjectGeneratedError.isInstance(error);
  const message = invalidAnswer
    ? `${where} gave no answer matching the output schema: ${messageOf(error)}`
    : `${where} failed${status}${tries}: ${messageOf(error)}`;
  // Exhausted retryable failures may succeed later (the node's own retry policy decides); a refused request will not.
  // An answer that missed the schema may be right the next time.
  const retriable =
    invalidAnswer ||
    (facts.status !== undefined
      ? facts.status === 408 || facts.status === 409 || facts.status === 429 || facts.status >= 500
      : facts.network);
  return Object.assign(
    new FlowgateError('NODE_FAILED', message, {
      details: { provider: request.provider, model: request.model, httpStatus: facts.status },
      cause: error,
    }),
    { retriable },
  );
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) {
      reject(signal.reason as Error);
      return;
    }
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason as Error);
    };
    signal.addEventListener('abort', onAbort, { once: true });
  });
}
