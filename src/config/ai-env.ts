/**
 * The model providers' settings as their usual environment variables carry them (API.md, "AI nodes, usage and the
 * planner"). Read once, where a process starts (`createFlowgate` without `ai`), never at import.
 */
import type { AiProvider } from '../definition/ai-spec.js';
import { SETTINGS } from './settings.js';

export interface AiProviderSettings {
  readonly apiKey?: string;
  /** Where the provider's API is: a proxy, a local OpenAI-compatible server (Ollama, vLLM), or a test server. */
  readonly baseURL?: string;
}

export interface AiSettings {
  readonly providers: Partial<Record<AiProvider, AiProviderSettings>>;
  /** A JSON file `{"provider:model": {"input": USD per million tokens, "output": …}}` (FLOWGATE_MODEL_PRICES). */
  readonly pricesFile?: string;
}

/** Which variable holds what, per provider (the names live in the settings table, with their documentation). */
export const AI_ENV: Readonly<Record<AiProvider, { apiKey: string; baseURL?: string }>> = {
  openai: { apiKey: SETTINGS.openaiApiKey.env, baseURL: SETTINGS.openaiBaseUrl.env },
  'openai-compatible': {
    apiKey: SETTINGS.openaiCompatibleApiKey.env,
    baseURL: SETTINGS.openaiCompatibleBaseUrl.env,
  },
  gemini: { apiKey: SETTINGS.googleApiKey.env },
  groq: { apiKey: SETTINGS.groqApiKey.env },
  perplexity: { apiKey: SETTINGS.perplexityApiKey.env },
};

export const MODEL_PRICES_ENV = SETTINGS.modelPrices.env;

export function aiSettingsFromEnv(env: Readonly<Record<string, string | undefined>>): AiSettings {
  const providers: Partial<Record<AiProvider, AiProviderSettings>> = {};
  for (const [provider, names] of Object.entries(AI_ENV) as [
    AiProvider,
    { apiKey: string; baseURL?: string },
  ][]) {
    const apiKey = nonBlank(env[names.apiKey]);
    const baseURL = names.baseURL ? nonBlank(env[names.baseURL]) : undefined;
    if (apiKey !== undefined || baseURL !== undefined) {
      providers[provider] = {
        ...(apiKey !== undefined ? { apiKey } : {}),
        ...(baseURL !== undefined ? { baseURL } : {}),
      };
    }
  }
  const pricesFile = nonBlank(env[MODEL_PRICES_ENV]);
  return { providers, ...(pricesFile !== undefined ? { pricesFile } : {}) };
}

function nonBlank(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed === undefined || trimmed === '' ? undefined : trimmed;
}
