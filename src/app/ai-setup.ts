/**
 * The AI nodes' wiring: provider settings (given, or read from the providers' usual environment variables), the
 * price book (the operator's override file, then the catalogue) and the retry policy, made into the runner the
 * workers hand AI nodes to.
 */
import { AiNodeRunner } from '../ai/agent-loop.js';
import { ModelGateway } from '../ai/gateway.js';
import { PriceBook, type ModelPrice } from '../ai/pricing.js';
import { ProviderCatalog } from '../ai/providers.js';
import type { ModelRetryPolicy } from '../ai/retry-policy.js';
import { aiSettingsFromEnv, type AiSettings } from '../config/ai-env.js';
import type { Registry } from '../engine/registry.js';
import type { Clock } from '../shared/clock.js';
import type { Store } from '../store/port.js';

export interface AiOptions {
  /** Keys and base URLs per provider; default: OPENAI_API_KEY, OPENAI_BASE_URL, GOOGLE_GENERATIVE_AI_API_KEY, … */
  readonly providers?: AiSettings['providers'];
  /** Prices in USD per million tokens by `provider:model`, over the catalogue's; default: FLOWGATE_MODEL_PRICES's file. */
  readonly prices?: Readonly<Record<string, ModelPrice>>;
  readonly pricesFile?: string;
  /** How model calls are retried (429, 5xx, network); the SDK's own retries are always off. */
  readonly retry?: Partial<ModelRetryPolicy>;
}

export interface AiSetup {
  readonly settings: AiSettings;
  readonly prices: PriceBook;
  readonly retry?: Partial<ModelRetryPolicy>;
}

/** Resolves the options once, where the process starts; the price file is read here, so a bad one stops the start. */
export async function resolveAi(
  options: AiOptions | undefined,
  env: Readonly<Record<string, string | undefined>>,
): Promise<AiSetup> {
  const fromEnv = aiSettingsFromEnv(env);
  const settings: AiSettings = {
    providers: options?.providers ?? fromEnv.providers,
  };
  const file = options?.pricesFile ?? (options?.prices ? undefined : fromEnv.pricesFile);
  const prices = options?.prices
    ? new PriceBook(options.prices)
    : file !== undefined
      ? await PriceBook.fromFile(file)
      : new PriceBook();
  return { settings, prices, ...(options?.retry ? { retry: options.retry } : {}) };
}

export function modelGateway(setup: AiSetup, clock: Clock): ModelGateway {
  return new ModelGateway({
    providers: new ProviderCatalog(setup.settings),
    prices: setup.prices,
    clock,
    random: Math.random,
    ...(setup.retry ? { retry: setup.retry } : {}),
  });
}

export function aiNodeRunner(
  setup: AiSetup,
  deps: { store: Store; registry: Registry; clock: Clock; newId: () => string },
): AiNodeRunner {
  return new AiNodeRunner({ ...deps, gateway: modelGateway(setup, deps.clock) });
}
