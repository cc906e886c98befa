import { toIso } from '../shared/clock.js';
import type { ModelAttempt } from './gateway.js';

/**
 * What every record of a model call holds, from the gateway's report of one try: status, answer, timing, the model
 * that answered, tokens and cost. An AI node's rows and the planner's rows add their own keys to it.
 */
export function attemptColumns(
  attempt: ModelAttempt,
  model: { readonly provider: string; readonly model: string },
) {
  return {
    attempt: attempt.attempt,
    status: attempt.ok ? ('completed' as const) : ('failed' as const),
    output: attempt.answer ? JSON.stringify(attempt.answer) : null,
    error: attempt.error ?? null,
    startedAt: toIso(attempt.startedAt),
    completedAt: toIso(attempt.finishedAt),
    durationMs: attempt.finishedAt - attempt.startedAt,
    provider: model.provider,
    model: model.model,
    responseModel: attempt.responseModel ?? null,
    inputTokens: attempt.usage.inputTokens ?? null,
    outputTokens: attempt.usage.outputTokens ?? null,
    cachedInputTokens: attempt.usage.cachedInputTokens ?? null,
    reasoningTokens: attempt.usage.reasoningTokens ?? null,
    costUsd: attempt.cost.costUsd,
    costSource: attempt.cost.source,
    httpStatus: attempt.httpStatus ?? null,
  };
}
