/**
 * A human node's form (a JSON Schema) as fields, and the answer checked against it before it is sent: the server
 * checks it again (422), but a person should hear what is wrong at once, field by field. Covers the schemas forms
 * use: an object of strings, numbers, integers, booleans and enums (or one such value).
 */
import type { JsonSchema } from '../api/types';

export type FieldKind = 'text' | 'number' | 'integer' | 'boolean' | 'choice';

export interface Field {
  /** The property's name; '' for a form that is one value. */
  readonly name: string;
  readonly label: string;
  readonly description?: string;
  readonly kind: FieldKind;
  readonly required: boolean;
  readonly schema: JsonSchema;
}

/** What a person typed, by field name: text for inputs, booleans for checkboxes. */
export type FormValues = Record<string, string | boolean>;

function typeOf(schema: JsonSchema): string | undefined {
  return Array.isArray(schema.type) ? (schema.type as string[])[0] : (schema.type as string);
}

function kindOf(schema: JsonSchema): FieldKind {
  if (schema.enum) return 'choice';
  switch (typeOf(schema)) {
    case 'number':
      return 'number';
    case 'integer':
      return 'integer';
    case 'boolean':
      return 'boolean';
    case 'string':
    case undefined:
    default:
      return 'text';
  }
}

export function fieldsOf(form: JsonSchema): Field[] {
  if (typeOf(form) === 'object' || form.properties) {
    const required = new Set(form.required ?? []);
    return Object.entries(form.properties ?? {}).map(([name, schema]) => ({
      name,
      label: schema.title ?? name,
      ...(schema.description ? { description: schema.description } : {}),
      kind: kindOf(schema),
      required: required.has(name),
      schema,
    }));
  }
  return [
    {
      name: '',
      label: form.title ?? 'Answer',
      ...(form.description ? { description: form.description } : {}),
      kind: kindOf(form),
      required: true,
      schema: form,
    },
  ];
}

export function initialValues(fields: readonly Field[]): FormValues {
  const values: FormValues = {};
  for (const field of fields) {
    const fallback = field.schema.default;
    if (field.kind === 'boolean') values[field.name] = fallback === true;
    else values[field.name] = fallback === undefined ? '' : editableText(fallback);
  }
  return values;
}

export interface FormResult {
  /** The answer to send, when there are no errors. */
  readonly value?: unknown;
  /** Problems by field name. */
  readonly errors: Record<string, string>;
}

/** Converts and checks every field; the answer is an object, or the one value of a single-value form. */
export function validateForm(form: JsonSchema, values: FormValues): FormResult {
  const fields = fieldsOf(form);
  const errors: Record<string, string> = {};
  const answer: Record<string, unknown> = {};
  for (const field of fields) {
    const raw = values[field.name];
    const { value, error } = checkField(field, raw);
    if (error) errors[field.name] = error;
    else if (value !== undefined) answer[field.name] = value;
  }
  if (Object.keys(errors).length > 0) return { errors };
  const single = fields.length === 1 && fields[0]!.name === '';
  return { value: single ? answer[''] : answer, errors };
}

function checkField(
  field: Field,
  raw: string | boolean | undefined,
): { value?: unknown; error?: string } {
  const { schema } = field;
  if (field.kind === 'boolean') return { value: raw === true };
  const text = typeof raw === 'string' ? raw.trim() : '';
  if (text === '') return field.required ? { error: `${field.label} is required.` } : {};
  if (field.kind === 'choice') {
    const match = (schema.enum ?? []).find((option) => String(option) === text);
    return match === undefined
      ? { error: `${field.label} must be one of the choices.` }
      : { value: match };
  }
  if (field.kind === 'number' || field.kind === 'integer') {
    const number = Number(text);
    if (!Number.isFinite(number)) return { error: `${field.label} must be a number.` };
    if (field.kind === 'integer' && !Number.isInteger(number))
      return { error: `${field.label} must be a whole number.` };
    if (schema.minimum !== undefined && number < schema.minimum)
      return { error: `${field.label} must be at least ${schema.minimum}.` };
    if (schema.maximum !== undefined && number > schema.maximum)
      return { error: `${field.label} must be at most ${schema.maximum}.` };
    return { value: number };
  }
  if (schema.minLength !== undefined && text.length < schema.minLength)
    return { error: `${field.label} needs at least ${schema.minLength} characters.` };
  if (schema.maxLength !== undefined && text.length > schema.maxLength)
    return { error: `${field.label} allows at most ${schema.maxLength} characters.` };
  if (schema.pattern !== undefined) {
    let pattern: RegExp | undefined;
    try {
      pattern = new RegExp(schema.pattern, 'u');
    } catch {
      // A pattern the browser cannot read is left to the server's check.
    }
    if (pattern && !pattern.test(text))
      return { error: `${field.label} does not have the expected format.` };
  }
  if (schema.format === 'email' && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(text))
    return { error: `${field.label} must be an email address.` };
  return { value: text };
}

/** A default value as the text of an input. */
function editableText(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}
