/**
 * The model providers' settings as their usual environment variables carry them (API.md, "AI nodes, usage and the
 * planner"). Read once, where a process starts (`createFlowgate` without `ai`), never at import.
 */
import type { AiProvider } from '../definition/ai-spec.js';

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

/** Which variable holds what, per provider. */
export const AI_ENV: Readonly<Record<AiProvider, { apiKey: string; baseURL?: string }>> = {
  openai: { apiKey: 'OPENAI_API_KEY', baseURL: 'OPENAI_BASE_URL' },
  'openai-compatible': {
    apiKey: 'OPENAI_COMPATIBLE_API_KEY',
    baseURL: 'OPENAI_COMPATIBLE_BASE_URL',
  },
  gemini: { apiKey: 'GOOGLE_GENERATIVE_AI_API_KEY' },
  groq: { apiKey: 'GROQ_API_KEY' },
  perplexity: { apiKey: 'PERPLEXITY_API_KEY' },
};

export const MODEL_PRICES_ENV = 'FLOWGATE_MODEL_PRICES';

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
