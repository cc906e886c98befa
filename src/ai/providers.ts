/**
 * Provider objects for the AI nodes, made from settings: every model is reached through a configured provider
 * (its key and base URL), never as a bare model string, which the AI SDK would route to Vercel's hosted gateway.
 */
import { createGoogleGenerativeAI } from '@ai-sdk/google';
import { createGroq } from '@ai-sdk/groq';
import { createOpenAI } from '@ai-sdk/openai';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import { createPerplexity } from '@ai-sdk/perplexity';
import type { LanguageModel } from 'ai';

import { AI_ENV, type AiProviderSettings, type AiSettings } from '../config/ai-env.js';
import type { AiProvider } from '../definition/ai-spec.js';
import { FlowgateError } from '../shared/errors.js';

type ModelFactory = (modelId: string) => LanguageModel;

/** One provider object per provider id, made on first use. */
export class ProviderCatalog {
  readonly #settings: AiSettings;
  readonly #factories = new Map<AiProvider, ModelFactory>();

  constructor(settings: AiSettings) {
    this.#settings = settings;
  }

  model(provider: AiProvider, modelId: string): LanguageModel {
    let factory = this.#factories.get(provider);
    if (!factory) {
      factory = makeFactory(provider, this.#settings.providers[provider] ?? {});
      this.#factories.set(provider, factory);
    }
    return factory(modelId);
  }
}

function makeFactory(provider: AiProvider, settings: AiProviderSettings): ModelFactory {
  // Without an apiKey the provider package reads the same variable itself at call time, and fails clearly.
  const common = {
    ...(settings.apiKey !== undefined ? { apiKey: settings.apiKey } : {}),
    ...(settings.baseURL !== undefined ? { baseURL: settings.baseURL } : {}),
  };
  switch (provider) {
    case 'openai': {
      // Chat Completions, the protocol every OpenAI-style server speaks (the package's default is Responses).
      const openai = createOpenAI(common);
      return (modelId) => openai.chat(modelId);
    }
    case 'openai-compatible': {
      if (settings.baseURL === undefined) {
        return () => {
          throw Object.assign(
            new FlowgateError(
              'CONFIG_INVALID',
              `The openai-compatible provider needs a base URL: set ${AI_ENV['openai-compatible'].baseURL} ` +
                '(e.g. http://127.0.0.1:11434/v1 for Ollama)',
            ),
            { retriable: false },
          );
        };
      }
      const compatible = createOpenAICompatible({
        name: 'openai-compatible',
        baseURL: settings.baseURL,
        ...(settings.apiKey !== undefined ? { apiKey: settings.apiKey } : {}),
        // Usage is what cost is computed from; servers that speak the protocol report it.
        includeUsage: true,
        supportsStructuredOutputs: true,
      });
      return (modelId) => compatible.chatModel(modelId);
    }
    case 'gemini': {
      const google = createGoogleGenerativeAI(common);
      return (modelId) => google(modelId);
    }
    case 'groq': {
      const groq = createGroq(common);
      return (modelId) => groq(modelId);
    }
    case 'perplexity': {
      const perplexity = createPerplexity(common);
      return (modelId) => perplexity(modelId);
    }
  }
}
