/**
 * A registered step's `inputSchema` may be a zod schema or a JSON Schema. Whoever describes a step to a model (the
 * AI node's tool list, the planner's catalogue) or checks arguments against it goes through here, so both read the
 * same schema the same way.
 */
import { z } from 'zod';

function isZod(schema: unknown): schema is z.ZodType {
  return typeof schema === 'object' && schema !== null && '_zod' in schema;
}

/** The step's input as JSON Schema; a step without one takes any object. */
export function inputJsonSchema(schema: unknown): Record<string, unknown> {
  if (isZod(schema)) return z.toJSONSchema(schema);
  if (typeof schema === 'object' && schema !== null) return schema as Record<string, unknown>;
  return { type: 'object', additionalProperties: true };
}

/** The step's input as JSON Schema when it declares one, else undefined. */
export function declaredInputJsonSchema(schema: unknown): Record<string, unknown> | undefined {
  return typeof schema === 'object' && schema !== null ? inputJsonSchema(schema) : undefined;
}

const validators = new WeakMap<object, z.ZodType>();

/** Why the input does not match the step's schema, or undefined when it does (or the step has none). */
export function inputProblem(schema: unknown, input: unknown): string | undefined {
  if (typeof schema !== 'object' || schema === null) return undefined;
  let validator = isZod(schema) ? schema : validators.get(schema);
  if (!validator) {
    try {
      validator = z.fromJSONSchema(schema as Parameters<typeof z.fromJSONSchema>[0]);
    } catch {
      return undefined;
    }
    validators.set(schema, validator);
  }
  const result = validator.safeParse(input);
  if (result.success) return undefined;
  return result.error.issues
    .map((issue) => `${issue.path.join('.') || '(input)'}: ${issue.message}`)
    .join('; ');
}
