/**
 * @module flowgate/plugin
 *
 * Types for plugin authors. A plugin is an ES module whose default export registers agents and tools:
 *
 * @example
 * ```ts
 * import type { Plugin } from 'flowgate/plugin';
 * import { NonRetriableError } from 'flowgate/plugin';
 *
 * export default {
 *   agents: { data_collector: async (input, ctx) => ({ rows: 3 }) },
 *   tools: {
 *     charge: {
 *       description: 'Charges a card',
 *       inputSchema: { type: 'object', properties: { amount: { type: 'number' } } },
 *       run: async ({ amount }, ctx) => {
 *         if (amount < 0) throw new NonRetriableError('negative amount');
 *         return { charged: amount, key: ctx.idempotencyKey };
 *       },
 *     },
 *   },
 * } satisfies Plugin;
 * ```
 */
export type {
  Plugin,
  StepContext,
  StepDefinition,
  StepEntry,
  StepFunction,
} from './engine/registry.js';
export { NonRetriableError, RetryAfterError } from './shared/errors.js';
