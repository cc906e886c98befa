/**
 * A person step's answer form as the editor builds it: a list of fields (name, label, type, required, bounds,
 * description) turned into the JSON Schema the node stores as `config.form`, and back. The schema is the one
 * lib/schema-form.ts renders on the request page: an object whose properties are strings, numbers, integers,
 * booleans or string enums. Keywords the builder has no input for (`format`, `pattern`, `default`, a form's
 * `additionalProperties`, ...) are kept as they are; a schema outside that shape (nested objects, arrays, choices of
 * numbers) is edited in the JSON view only, never flattened into fields.
 */
import type { JsonSchema } from '../api/types';

export type FieldType = 'string' | 'number' | 'integer' | 'boolean' | 'enum';

export const FIELD_TYPES: readonly { id: FieldType; label: string }[] = [
  { id: 'string', label: 'Text' },
  { id: 'number', label: 'Number' },
  { id: 'integer', label: 'Whole number' },
  { id: 'boolean', label: 'Yes/no' },
  { id: 'enum', label: 'Choice' },
];

/** One field as the builder edits it: every input is text, read into the schema by `formSchema`. */
export interface FieldDraft {
  readonly name: string;
  readonly title: string;
  readonly type: FieldType;
  readonly required: boolean;
  /** Numbers: minimum/maximum; text: minLength/maxLength; '' for none. */
  readonly min: string;
  readonly max: string;
  readonly description: string;
  /** The choices of an enum, one per line. */
  readonly options: string;
  /** The property's keywords the builder has no input for, written back as they were. */
  readonly kept?: Readonly<Record<string, unknown>>;
}

export const emptyField = (name: string): FieldDraft => ({
  name,
  title: '',
  type: 'string',
  required: false,
  min: '',
  max: '',
  description: '',
  options: '',
});

/** A name that is not taken yet: field_1, field_2, ... */
export function freshName(fields: readonly FieldDraft[]): string {
  const taken = new Set(fields.map((f) => f.name));
  let n = fields.length + 1;
  while (taken.has(`field_${n}`)) n++;
  return `field_${n}`;
}

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** What is wrong with the fields, by index and in general (names, bounds, choices); empty when nothing is. */
export function fieldProblems(fields: readonly FieldDraft[]): Record<number, string> {
  const problems: Record<number, string> = {};
  const seen = new Map<string, number>();
  fields.forEach((field, index) => {
    const say = (message: string) => {
      problems[index] ??= message;
    };
    if (!NAME.test(field.name)) {
      say('The name is letters, digits and _ (not starting with a digit).');
    } else if (seen.has(field.name)) {
      say(`The name ${field.name} is used twice.`);
    }
    seen.set(field.name, index);
    const bounded = field.type === 'string' || field.type === 'number' || field.type === 'integer';
    if (bounded) {
      const whole = field.type !== 'number';
      for (const [label, text] of [
        ['minimum', field.min],
        ['maximum', field.max],
      ] as const) {
        if (text.trim() === '') continue;
        const value = Number(text);
        if (!Number.isFinite(value) || (whole && !Number.isInteger(value))) {
          say(`The ${label} must be ${whole ? 'a whole number' : 'a number'}.`);
        } else if (field.type === 'string' && value < 0) {
          say(`The ${label} length cannot be negative.`);
        }
      }
      if (
        field.min.trim() !== '' &&
        field.max.trim() !== '' &&
        Number(field.min) > Number(field.max)
      )
        say('The minimum is above the maximum.');
    }
    if (field.type === 'enum' && optionList(field.options).length === 0) {
      say('A choice needs at least one option (one per line).');
    }
  });
  return problems;
}

function optionList(text: string): string[] {
  return [
    ...new Set(
      text
        .split('\n')
        .map((o) => o.trim())
        .filter(Boolean),
    ),
  ];
}

const numberOr = (text: string): number | undefined =>
  text.trim() === '' ? undefined : Number(text);

/**
 * The JSON Schema of the fields (assumes `fieldProblems` found none), with the form's own kept keywords, or
 * undefined when there are no fields.
 */
export function formSchema(
  fields: readonly FieldDraft[],
  kept: Readonly<Record<string, unknown>> = {},
): JsonSchema | undefined {
  if (fields.length === 0) return undefined;
  const properties: Record<string, JsonSchema> = {};
  for (const field of fields) {
    const min = numberOr(field.min);
    const max = numberOr(field.max);
    const common = {
      ...field.kept,
      ...(field.title.trim() ? { title: field.title.trim() } : {}),
      ...(field.description.trim() ? { description: field.description.trim() } : {}),
    };
    switch (field.type) {
      case 'string':
        properties[field.name] = {
          type: 'string',
          ...common,
          ...(min !== undefined ? { minLength: min } : {}),
          ...(max !== undefined ? { maxLength: max } : {}),
        };
        break;
      case 'number':
      case 'integer':
        properties[field.name] = {
          type: field.type,
          ...common,
          ...(min !== undefined ? { minimum: min } : {}),
          ...(max !== undefined ? { maximum: max } : {}),
        };
        break;
      case 'boolean':
        properties[field.name] = { type: 'boolean', ...common };
        break;
      case 'enum':
        properties[field.name] = { type: 'string', ...common, enum: optionList(field.options) };
        break;
    }
  }
  const required = fields.filter((f) => f.required).map((f) => f.name);
  return { ...kept, type: 'object', properties, ...(required.length > 0 ? { required } : {}) };
}

const KNOWN_KEYS = new Set([
  'type',
  'title',
  'description',
  'enum',
  'minimum',
  'maximum',
  'minLength',
  'maxLength',
]);

/** Of an object, the keys not in `known`. */
function others(value: Record<string, unknown>, known: ReadonlySet<string>) {
  return Object.fromEntries(Object.entries(value).filter(([key]) => !known.has(key)));
}

const FORM_KEYS = new Set(['type', 'properties', 'required']);

/**
 * The fields of a stored form and the form's keywords kept as they are, or why the builder cannot show it as
 * fields (a nested object, an array, ...: the JSON view still edits it). No form is no fields.
 */
export function fieldsOfSchema(
  form: unknown,
):
  | { fields: FieldDraft[]; kept: Record<string, unknown>; unsupported?: undefined }
  | { fields?: undefined; kept?: undefined; unsupported: string } {
  if (form === undefined || form === null) return { fields: [], kept: {} };
  if (typeof form !== 'object' || Array.isArray(form)) {
    return { unsupported: 'The form is not a JSON Schema object.' };
  }
  const schema = form as Record<string, unknown>;
  if (schema.type !== 'object') {
    return { unsupported: 'Only an object of simple fields can be built here.' };
  }
  const properties = (schema.properties ?? {}) as Record<string, unknown>;
  const required = new Set(Array.isArray(schema.required) ? (schema.required as unknown[]) : []);
  const fields: FieldDraft[] = [];
  for (const [name, value] of Object.entries(properties)) {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      return { unsupported: `The field ${name} is not a schema object.` };
    }
    const property = value as Record<string, unknown>;
    const kept = others(property, KNOWN_KEYS);
    const text = (v: unknown) => (typeof v === 'number' ? String(v) : '');
    const base = {
      ...emptyField(name),
      ...(Object.keys(kept).length > 0 ? { kept } : {}),
      title: typeof property.title === 'string' ? property.title : '',
      description: typeof property.description === 'string' ? property.description : '',
      required: required.has(name),
    };
    if (Array.isArray(property.enum)) {
      if (property.type !== undefined && property.type !== 'string') {
        return { unsupported: `The field ${name} is a choice of values that are not text.` };
      }
      fields.push({ ...base, type: 'enum', options: property.enum.map(String).join('\n') });
    } else if (property.type === 'string') {
      fields.push({
        ...base,
        type: 'string',
        min: text(property.minLength),
        max: text(property.maxLength),
      });
    } else if (property.type === 'number' || property.type === 'integer') {
      fields.push({
        ...base,
        type: property.type,
        min: text(property.minimum),
        max: text(property.maximum),
      });
    } else if (property.type === 'boolean') {
      fields.push({ ...base, type: 'boolean' });
    } else {
      return { unsupported: `The field ${name} has a type the builder does not edit.` };
    }
  }
  return { fields, kept: others(schema, FORM_KEYS) };
}

/** The `form` of a step's config (seed 000's `config`, seed 004's `data`). */
export function stepForm(document: unknown, stepId: string): unknown {
  const node = stepsOf(document).find((n) => (n.node_id ?? n.id) === stepId);
  const config = node?.config ?? node?.data;
  return config !== null && typeof config === 'object'
    ? (config as Record<string, unknown>).form
    : undefined;
}

/** The document with a step's form set (or removed when `form` is undefined); other keys are kept. */
export function setStepForm(document: unknown, stepId: string, form: unknown): unknown {
  const doc = { ...(document as Record<string, unknown>) };
  doc.nodes = stepsOf(doc).map((node) => {
    if ((node.node_id ?? node.id) !== stepId) return node;
    const key = node.config === undefined && node.data !== undefined ? 'data' : 'config';
    const current = node[key];
    const config: Record<string, unknown> =
      current !== null && typeof current === 'object' ? { ...current } : {};
    if (form === undefined) delete config.form;
    else config.form = form;
    return { ...node, [key]: config };
  });
  return doc;
}

function stepsOf(document: unknown): Record<string, unknown>[] {
  const nodes = (document as { nodes?: unknown } | null)?.nodes;
  return Array.isArray(nodes)
    ? nodes.filter((n): n is Record<string, unknown> => n !== null && typeof n === 'object')
    : [];
}
