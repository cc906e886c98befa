import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { PriceBook } from './pricing.js';

const usage = { inputTokens: 1_000_000, outputTokens: 500_000, cachedInputTokens: 200_000 };

describe('PriceBook', () => {
  it("takes the provider's own figure first", () => {
    const book = new PriceBook({ 'openai:gpt-4o-mini': { input: 1, output: 1 } });
    expect(
      book.price({ provider: 'openai', model: 'gpt-4o-mini', usage, providerCostUsd: 0.42 }),
    ).toEqual({ costUsd: 0.42, source: 'provider' });
  });

  it("then the operator's override, per million tokens, cached input at its own price", () => {
    const book = new PriceBook({
      'openai-compatible:llama3.2': { input: 2, output: 10, cachedInput: 1 },
    });
    const cost = book.price({ provider: 'openai-compatible', model: 'llama3.2', usage });
    expect(cost.source).toBe('override');
    expect(cost.costUsd).toBeCloseTo(0.8 * 2 + 0.2 * 1 + 0.5 * 10, 10);
  });

  it('then the catalogue, which knows the big providers', () => {
    const cost = new PriceBook().price({ provider: 'openai', model: 'gpt-4o-mini', usage });
    expect(cost.source).toBe('catalog');
    expect(cost.costUsd).toBeGreaterThan(0);
    const gemini = new PriceBook().price({ provider: 'gemini', model: 'gemini-2.5-flash', usage });
    expect(gemini.source).toBe('catalog');
  });

  it('leaves an unknown model, a self-hosted model and a call without usage unpriced (null, not 0)', () => {
    const book = new PriceBook();
    expect(book.price({ provider: 'openai', model: 'no-such-model-xyz', usage })).toEqual({
      costUsd: null,
      source: null,
    });
    expect(
      book.price({ provider: 'openai-compatible', model: 'gpt-4o-mini', usage }).costUsd,
    ).toBeNull();
    expect(book.price({ provider: 'openai', model: 'gpt-4o-mini', usage: {} }).costUsd).toBeNull();
  });

  it('reads the override file and reports what is wrong with it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'prices-'));
    const good = join(dir, 'good.json');
    writeFileSync(good, JSON.stringify({ 'groq:my-model': { input: 1, output: 2 } }));
    const book = await PriceBook.fromFile(good);
    expect(
      book.price({
        provider: 'groq',
        model: 'my-model',
        usage: { inputTokens: 1e6, outputTokens: 1e6 },
      }),
    ).toEqual({ costUsd: 3, source: 'override' });
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ 'groq:m': { input: -1, output: 'x' } }));
    await expect(PriceBook.fromFile(bad)).rejects.toThrow(/FLOWGATE_MODEL_PRICES.*groq:m/);
    await expect(PriceBook.fromFile(join(dir, 'missing.json'))).rejects.toThrow(/cannot read/);
  });
});
