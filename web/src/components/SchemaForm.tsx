/** The fields of a human node's form (lib/schema-form.ts), each with its label, hint and error. */
import type { Field, FormValues } from '../lib/schema-form';

interface Props {
  readonly fields: readonly Field[];
  readonly values: FormValues;
  readonly errors: Record<string, string>;
  readonly disabled: boolean;
  readonly onChange: (name: string, value: string | boolean) => void;
}

const idOf = (name: string) => `form-field-${name || 'value'}`;

export function SchemaForm({ fields, values, errors, disabled, onChange }: Props) {
  return (
    <fieldset className="schema-form" disabled={disabled}>
      <legend>Your answer</legend>
      {fields.map((field) => {
        const id = idOf(field.name);
        const error = errors[field.name];
        const described = [field.description ? `${id}-hint` : '', error ? `${id}-error` : '']
          .filter(Boolean)
          .join(' ');
        const common = {
          id,
          name: field.name || 'value',
          'aria-invalid': error ? true : undefined,
          'aria-describedby': described || undefined,
          'aria-required': field.required || undefined,
        } as const;
        const value = values[field.name];
        return (
          <div className="field" key={id}>
            {field.kind === 'boolean' ? (
              <label htmlFor={id} className="checkbox">
                <input
                  {...common}
                  type="checkbox"
                  checked={value === true}
                  onChange={(event) => onChange(field.name, event.target.checked)}
                />{' '}
                {field.label}
              </label>
            ) : (
              <>
                <label htmlFor={id}>
                  {field.label}
                  {field.required ? <span aria-hidden="true"> *</span> : null}
                </label>
                {field.kind === 'choice' ? (
                  <select
                    {...common}
                    value={typeof value === 'string' ? value : ''}
                    onChange={(event) => onChange(field.name, event.target.value)}
                  >
                    <option value="">Choose…</option>
                    {(field.schema.enum ?? []).map((option) => (
                      <option key={String(option)} value={String(option)}>
                        {String(option)}
                      </option>
                    ))}
                  </select>
                ) : (
                  <input
                    {...common}
                    type={
                      field.kind === 'text'
                        ? field.schema.format === 'email'
                          ? 'email'
                          : 'text'
                        : 'text'
                    }
                    inputMode={
                      field.kind === 'number'
                        ? 'decimal'
                        : field.kind === 'integer'
                          ? 'numeric'
                          : undefined
                    }
                    value={typeof value === 'string' ? value : ''}
                    onChange={(event) => onChange(field.name, event.target.value)}
                  />
                )}
              </>
            )}
            {field.description ? (
              <p className="hint" id={`${id}-hint`}>
                {field.description}
              </p>
            ) : null}
            {error ? (
              <p className="field-error" id={`${id}-error`}>
                {error}
              </p>
            ) : null}
          </div>
        );
      })}
    </fieldset>
  );
}
