/**
 * Builds a person step's answer form: fields (name, label, type, required, bounds, description, choices) on one side,
 * the JSON Schema they make on the other, each following the other as it is edited, and a preview drawn by the same
 * SchemaForm the request page uses (with its checks, to try the form). Applied to the step's `config.form`.
 */
import { useMemo, useState } from 'react';
import type { FormEvent } from 'react';

import type { JsonSchema } from '../api/types';
import {
  FIELD_TYPES,
  emptyField,
  fieldProblems,
  fieldsOfSchema,
  formSchema,
  freshName,
  type FieldDraft,
  type FieldType,
} from '../lib/form-builder';
import { fieldsOf, initialValues, validateForm, type FormValues } from '../lib/schema-form';
import { SchemaForm } from './SchemaForm';

interface Props {
  readonly stepId: string;
  /** The step's current `form` (undefined: none). */
  readonly initial: unknown;
  /** Called with the schema to store, or undefined to remove the form. */
  readonly onApply: (form: JsonSchema | undefined) => void;
}

const asText = (form: unknown) => (form === undefined ? '' : JSON.stringify(form, null, 2));

export function FormBuilder({ stepId, initial, onApply }: Props) {
  const start = fieldsOfSchema(initial);
  const [fields, setFields] = useState<FieldDraft[]>(start.fields ?? []);
  // The form's own keywords the builder has no input for (its title, additionalProperties, ...), kept as they are.
  const [formKept, setFormKept] = useState<Record<string, unknown>>(start.kept ?? {});
  const [unsupported, setUnsupported] = useState<string | null>(start.unsupported ?? null);
  const [json, setJson] = useState(() => asText(initial));
  const [error, setError] = useState<string | null>(null);
  const [values, setValues] = useState<FormValues>({});
  const [previewErrors, setPreviewErrors] = useState<Record<string, string>>({});
  const [tried, setTried] = useState<string | null>(null);

  const problems = useMemo(() => fieldProblems(fields), [fields]);
  const parsed = useMemo(() => {
    if (json.trim() === '') return { form: undefined, error: null };
    try {
      const form = JSON.parse(json) as unknown;
      if (form === null || typeof form !== 'object' || Array.isArray(form)) {
        return { form: undefined, error: 'The form is a JSON Schema object.' };
      }
      return { form: form, error: null };
    } catch (cause) {
      return { form: undefined, error: cause instanceof Error ? cause.message : String(cause) };
    }
  }, [json]);
  const previewFields = useMemo(() => (parsed.form ? fieldsOf(parsed.form) : []), [parsed.form]);

  /** New fields: the JSON follows when they make a schema. */
  const changeFields = (next: FieldDraft[]) => {
    setFields(next);
    setTried(null);
    if (Object.keys(fieldProblems(next)).length === 0) setJson(asText(formSchema(next, formKept)));
  };
  const changeField = (index: number, change: Partial<FieldDraft>) =>
    changeFields(fields.map((f, i) => (i === index ? { ...f, ...change } : f)));
  const moveField = (index: number, step: -1 | 1) => {
    const next = [...fields];
    const [field] = next.splice(index, 1);
    next.splice(index + step, 0, field!);
    changeFields(next);
  };

  /** New JSON: the fields follow when it is a form they can show. */
  const changeJson = (text: string) => {
    setJson(text);
    setTried(null);
    let form: unknown;
    try {
      form = text.trim() === '' ? undefined : JSON.parse(text);
    } catch {
      return;
    }
    const read = fieldsOfSchema(form);
    if (read.fields) {
      setFields(read.fields);
      setFormKept(read.kept);
      setUnsupported(null);
    } else {
      setUnsupported(read.unsupported);
    }
  };

  const apply = (event: FormEvent) => {
    event.preventDefault();
    if (unsupported === null && Object.keys(problems).length > 0) {
      setError('Fix the fields marked below first.');
      return;
    }
    if (parsed.error !== null) {
      setError(`The form JSON does not read: ${parsed.error}`);
      return;
    }
    setError(null);
    onApply(parsed.form);
  };

  const tryPreview = () => {
    if (!parsed.form) return;
    const result = validateForm(parsed.form, { ...initialValues(previewFields), ...values });
    setPreviewErrors(result.errors);
    setTried(
      Object.keys(result.errors).length > 0
        ? `${Object.keys(result.errors).length} field(s) would be refused.`
        : `The answer would be sent as ${JSON.stringify(result.value)}.`,
    );
  };

  return (
    <form className="form-builder" onSubmit={apply} aria-labelledby="form-builder-title" noValidate>
      <h3 id="form-builder-title">Answer form of {stepId}</h3>
      <p className="hint">
        What the approver fills in on the request page. No fields: a plain approve or reject.
      </p>
      <div role="alert">{error ? <p className="error">{error}</p> : null}</div>
      {unsupported !== null ? (
        <p className="refusal">{unsupported} Edit it in the JSON below.</p>
      ) : (
        <>
          {fields.map((field, index) => (
            <FieldEditor
              key={index}
              index={index}
              count={fields.length}
              field={field}
              problem={problems[index]}
              onChange={(change) => changeField(index, change)}
              onMove={(step) => moveField(index, step)}
              onRemove={() => changeFields(fields.filter((_, i) => i !== index))}
            />
          ))}
          <button
            type="button"
            onClick={() => changeFields([...fields, emptyField(freshName(fields))])}
          >
            Add a field
          </button>
        </>
      )}
      <div className="field">
        <label htmlFor="form-builder-json">Form as JSON Schema (empty for no form)</label>
        <textarea
          id="form-builder-json"
          rows={8}
          spellCheck={false}
          value={json}
          aria-invalid={parsed.error !== null ? true : undefined}
          aria-describedby={parsed.error !== null ? 'form-builder-json-error' : undefined}
          onChange={(event) => changeJson(event.target.value)}
        />
        {parsed.error !== null ? (
          <p className="field-error" id="form-builder-json-error">
            Not a form: {parsed.error}
          </p>
        ) : null}
      </div>
      {parsed.form && previewFields.length > 0 ? (
        <section className="form-preview" aria-labelledby="form-preview-title">
          <h4 id="form-preview-title">Preview (as the approver sees it)</h4>
          <SchemaForm
            fields={previewFields}
            values={{ ...initialValues(previewFields), ...values }}
            errors={previewErrors}
            disabled={false}
            onChange={(name, value) => setValues((v) => ({ ...v, [name]: value }))}
          />
          <button type="button" onClick={tryPreview}>
            Check the preview
          </button>
          <p role="status">{tried}</p>
        </section>
      ) : null}
      <button type="submit">Apply the form to {stepId}</button>
    </form>
  );
}

interface FieldProps {
  readonly index: number;
  readonly count: number;
  readonly field: FieldDraft;
  readonly problem: string | undefined;
  readonly onChange: (change: Partial<FieldDraft>) => void;
  readonly onMove: (step: -1 | 1) => void;
  readonly onRemove: () => void;
}

function FieldEditor({ index, count, field, problem, onChange, onMove, onRemove }: FieldProps) {
  const id = (part: string) => `fb-${index}-${part}`;
  const bounded = field.type === 'string' || field.type === 'number' || field.type === 'integer';
  const boundLabel = field.type === 'string' ? 'length' : 'value';
  return (
    <fieldset className="form-builder-field" aria-describedby={problem ? id('problem') : undefined}>
      <legend>Field {index + 1}</legend>
      {problem ? (
        <p className="field-error" id={id('problem')}>
          {problem}
        </p>
      ) : null}
      <div className="form-builder-row">
        <div className="field">
          <label htmlFor={id('name')}>Name</label>
          <input
            id={id('name')}
            value={field.name}
            aria-invalid={problem ? true : undefined}
            onChange={(e) => onChange({ name: e.target.value.trim() })}
          />
        </div>
        <div className="field">
          <label htmlFor={id('title')}>Label</label>
          <input
            id={id('title')}
            value={field.title}
            onChange={(e) => onChange({ title: e.target.value })}
          />
        </div>
        <div className="field">
          <label htmlFor={id('type')}>Type</label>
          <select
            id={id('type')}
            value={field.type}
            onChange={(e) =>
              // Bounds and kept keywords belong to the old type.
              onChange({ type: e.target.value as FieldType, min: '', max: '', kept: {} })
            }
          >
            {FIELD_TYPES.map((t) => (
              <option key={t.id} value={t.id}>
                {t.label}
              </option>
            ))}
          </select>
        </div>
      </div>
      <label className="checkbox">
        <input
          type="checkbox"
          checked={field.required}
          onChange={(e) => onChange({ required: e.target.checked })}
        />{' '}
        Required
      </label>
      {bounded ? (
        <div className="form-builder-row">
          <div className="field">
            <label htmlFor={id('min')}>Minimum {boundLabel}</label>
            <input
              id={id('min')}
              inputMode="decimal"
              value={field.min}
              onChange={(e) => onChange({ min: e.target.value })}
            />
          </div>
          <div className="field">
            <label htmlFor={id('max')}>Maximum {boundLabel}</label>
            <input
              id={id('max')}
              inputMode="decimal"
              value={field.max}
              onChange={(e) => onChange({ max: e.target.value })}
            />
          </div>
        </div>
      ) : null}
      {field.type === 'enum' ? (
        <div className="field">
          <label htmlFor={id('options')}>Choices (one per line)</label>
          <textarea
            id={id('options')}
            rows={3}
            value={field.options}
            onChange={(e) => onChange({ options: e.target.value })}
          />
        </div>
      ) : null}
      <div className="field">
        <label htmlFor={id('description')}>Description (shown under the field)</label>
        <input
          id={id('description')}
          value={field.description}
          onChange={(e) => onChange({ description: e.target.value })}
        />
      </div>
      {field.kept && Object.keys(field.kept).length > 0 ? (
        <p className="hint">
          Also keeps {Object.keys(field.kept).join(', ')} (edit{' '}
          {Object.keys(field.kept).length > 1 ? 'them' : 'it'} in the JSON).
        </p>
      ) : null}
      <div className="actions">
        <button type="button" disabled={index === 0} onClick={() => onMove(-1)}>
          Move up
        </button>
        <button type="button" disabled={index === count - 1} onClick={() => onMove(1)}>
          Move down
        </button>
        <button type="button" onClick={onRemove}>
          Remove field {index + 1}
        </button>
      </div>
    </fieldset>
  );
}
