/**
 * What a model call cost, in US dollars, from the best source there is: the provider's own figure when its answer
 * carries one (Perplexity's `usage.cost`, an OpenAI-compatible gateway's `usage.cost`), else the operator's override
 * (FLOWGATE_MODEL_PRICES), else the `@pydantic/genai-prices` catalogue. A call none of them can price is
 * "unpriced": its cost is null, never 0, so a sum never pretends to be complete.
 */
import { readFile } from 'node:fs/promises';

import { calcPrice } from '@pydantic/genai-prices';
import { z } from 'zod';

import { MODEL_PRICES_ENV } from '../config/ai-env.js';
import type { AiProvider } from '../definition/ai-spec.js';
import { FlowgateError } from '../shared/errors.js';

export interface CallUsage {
  /** All input tokens, cached ones included. */
  readonly inputTokens?: number | undefined;
  readonly outputTokens?: number | undefined;
  /** Input tokens read from the provider's cache (billed cheaper by most). */
  readonly cachedInputTokens?: number | undefined;
  readonly cacheWriteTokens?: number | undefined;
  /** Part of the output tokens. */
  readonly reasoningTokens?: number | undefined;
}

export type CostSource = 'provider' | 'override' | 'catalog';

export interface CallCost {
  readonly costUsd: number | null;
  readonly source: CostSource | null;
}

export const UNPRICED: CallCost = { costUsd: null, source: null };

/** An operator's price for one model, in USD per million tokens. */
export interface ModelPrice {
  readonly input: number;
  readonly output: number;
  /** Cached input; defaults to `input`. */
  readonly cachedInput?: number;
}

const usdPerMtok = z.number().finite().min(0);
const PriceFile = z.record(
  z.string().regex(/^[a-z-]+:.+$/),
  z.strictObject({ input: usdPerMtok, output: usdPerMtok, cachedInput: usdPerMtok.optional() }),
);

/** The catalogue's name of each provider; none for a self-hosted OpenAI-compatible server, whose models are free or its operator's to price. */
const CATALOG_PROVIDER: Readonly<Record<AiProvider, string | undefined>> = {
  openai: 'openai',
  'openai-compatible': undefined,
  gemini: 'google',
  groq: 'groq',
  perplexity: 'perplexity',
};

export interface PriceQuery {
  readonly provider: AiProvider;
  /** The model asked for. */
  readonly model: string;
  /** The model that answered (often a dated snapshot of the one asked for). */
  readonly responseModel?: string | undefined;
  readonly usage: CallUsage;
  /** The provider's own figure for the call, when its answer had one. */
  readonly providerCostUsd?: number | undefined;
}

export class PriceBook {
  readonly #overrides: ReadonlyMap<string, ModelPrice>;

  constructor(overrides: Readonly<Record<string, ModelPrice>> = {}) {
    this.#overrides = new Map(Object.entries(overrides));
  }

  /** Reads the operator's price file; every problem in it is reported at once, naming the file. */
  static async fromFile(file: string): Promise<PriceBook> {
    let parsed: unknown;
    try {
      parsed = JSON.parse(await readFile(file, 'utf8'));
    } catch (error) {
      throw new FlowgateError(
        'CONFIG_INVALID',
        `${MODEL_PRICES_ENV}: cannot read ${file}: ${(error as Error).message}`,
      );
    }
    const result = PriceFile.safeParse(parsed);
    if (!result.success) {
      const problems = result.error.issues
        .map((issue) => {
          const message =
            issue.code === 'invalid_key'
              ? 'keys are "provider:model", e.g. "openai:gpt-4o-mini"'
              : issue.message;
          return `${issue.path.join('.') || '(file)'}: ${message}`;
        })
        .join('; ');
      throw new FlowgateError('CONFIG_INVALID', `${MODEL_PRICES_ENV} (${file}): ${problems}`);
    }
    return new PriceBook(result.data);
  }

  price(query: PriceQuery): CallCost {
    if (query.providerCostUsd !== undefined && Number.isFinite(query.providerCostUsd)) {
      return { costUsd: query.providerCostUsd, source: 'provider' };
    }
    const { inputTokens, outputTokens } = query.usage;
    // Without token counts there is nothing to multiply: unpriced, not free.
    if (inputTokens === undefined || outputTokens === undefined) return UNPRICED;
    const models = [query.model, query.responseModel].filter(
      (m): m is string => m !== undefined && m !== '',
    );
    for (const model of models) {
      const override = this.#overrides.get(`${query.provider}:${model}`);
      if (override) return { costUsd: overrideCost(override, query.usage), source: 'override' };
    }
    const providerId = CATALOG_PROVIDER[query.provider];
    if (providerId === undefined) return UNPRICED;
    for (const model of models) {
      const found = calcPrice(
        {
          input_tokens: inputTokens,
          output_tokens: outputTokens,
          ...(query.usage.cachedInputTokens
            ? { cache_read_tokens: query.usage.cachedInputTokens }
            : {}),
          ...(query.usage.cacheWriteTokens
            ? { cache_write_tokens: query.usage.cacheWriteTokens }
            : {}),
        },
        model,
        { providerId },
      );
      if (found) return { costUsd: found.total_price, source: 'catalog' };
    }
    return UNPRICED;
  }
}

function overrideCost(price: ModelPrice, usage: CallUsage): number {
  const cached = Math.min(usage.cachedInputTokens ?? 0, usage.inputTokens ?? 0);
  const fresh = (usage.inputTokens ?? 0) - cached;
  return (
    (fresh * price.input +
      cached * (price.cachedInput ?? price.input) +
      (usage.outputTokens ?? 0) * price.output) /
    1_000_000
  );
}
