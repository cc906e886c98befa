/**
 * Checks what a person sends against what the request offered: a choice among its options, a value matching its
 * form's JSON Schema, edits only to the paths it made editable. Every problem is reported, with its path.
 */
import { z } from 'zod';

import type { HumanNodeSpec } from '../definition/index.js';
import { FlowgateError } from '../shared/errors.js';

export interface ResponseProblem {
  readonly path: string;
  readonly message: string;
}

const formSchemas = new Map<string, z.ZodType>();

/** JSON Schema → zod, interpreted (no code generation), cached per schema text. */
function formSchema(form: object): z.ZodType {
  const key = JSON.stringify(form);
  let schema = formSchemas.get(key);
  if (!schema) {
    schema = z.fromJSONSchema(form as Parameters<typeof z.fromJSONSchema>[0]);
    if (formSchemas.size > 500) formSchemas.clear();
    formSchemas.set(key, schema);
  }
  return schema;
}

export function optionValues(spec: HumanNodeSpec): unknown[] {
  return (spec.options ?? []).map((option) =>
    option !== null && typeof option === 'object' && 'value' in option ? option.value : option,
  );
}

/** The answer to a question or form. */
export function checkAnswer(spec: HumanNodeSpec, value: unknown): ResponseProblem[] {
  if (value === undefined) return [{ path: 'value', message: 'an answer needs a value' }];
  const options = optionValues(spec);
  if (
    options.length > 0 &&
    !options.some((option) => JSON.stringify(option) === JSON.stringify(value))
  ) {
    return [
      {
        path: 'value',
        message: `must be one of ${options.map((o) => JSON.stringify(o)).join(', ')}`,
      },
    ];
  }
  if (spec.form) {
    const result = formSchema(spec.form).safeParse(value);
    if (!result.success) {
      return result.error.issues.map((issue) => ({
        path: ['value', ...issue.path.map(String)].join('.'),
        message: issue.message,
      }));
    }
  }
  return [];
}

/** Arguments for a tool, checked against its input JSON Schema. */
export function checkToolInput(
  schema: Readonly<Record<string, unknown>>,
  value: unknown,
): ResponseProblem[] {
  let validator: z.ZodType;
  try {
    validator = formSchema(schema);
  } catch {
    // A schema zod cannot read was given to the model as it is; the tool itself is the judge then.
    return [];
  }
  const result = validator.safeParse(value);
  if (result.success) return [];
  return result.error.issues.map((issue) => ({
    path: ['edits', ...issue.path.map(String)].join('.'),
    message: issue.message,
  }));
}

export interface EditRecord {
  readonly path: string;
  readonly before: unknown;
  readonly after: unknown;
}

/**
 * Applies an approver's edits (`{"amount": 90, "payee.name": "ACME"}`) to the proposed value, allowed only on the
 * paths the node made editable; returns the edited value and the before/after of each edit for the audit trail.
 */
export function applyEdits(
  spec: HumanNodeSpec,
  proposed: unknown,
  edits: Readonly<Record<string, unknown>>,
): { value: unknown; diff: EditRecord[] } {
  const editable = new Set(spec.editable ?? []);
  const refused = Object.keys(edits).filter((path) => !editable.has(path));
  if (refused.length > 0) {
    throw new FlowgateError('VALIDATION_FAILED', `Not editable: ${refused.join(', ')}`, {
      details: refused.map((path) => ({
        path: `edits.${path}`,
        message: 'this value is not editable',
      })),
    });
  }
  const value: unknown = structuredClone(proposed ?? {});
  const diff: EditRecord[] = [];
  for (const [path, after] of Object.entries(edits)) {
    const keys = path.split('.');
    if (keys.some((key) => key === '__proto__' || key === 'constructor' || key === 'prototype')) {
      throw new FlowgateError('VALIDATION_FAILED', `Not an editable path: ${path}`);
    }
    let target = value as Record<string, unknown>;
    for (const key of keys.slice(0, -1)) {
      const next = target[key];
      if (next === null || typeof next !== 'object') target[key] = {};
      target = target[key] as Record<string, unknown>;
    }
    const last = keys[keys.length - 1]!;
    diff.push({ path, before: target[last] ?? null, after });
    target[last] = after;
  }
  return { value, diff };
}
