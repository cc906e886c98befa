/** The parts of a HITL request's spec that a terminal offers: its choices and its form. */
export interface RequestSpec {
  readonly options: readonly { readonly value: string; readonly label: string }[];
  /** A JSON Schema for the answer. */
  readonly form?: Readonly<Record<string, unknown>>;
}

/**
 * Reads a request's stored spec defensively: it crossed the database, and older rows may lack
 * fields.
 */
export function readRequestSpec(spec: unknown): RequestSpec {
  const record = spec !== null && typeof spec === 'object' ? (spec as Record<string, unknown>) : {};
  const options = (Array.isArray(record.options) ? (record.options as unknown[]) : []).flatMap(
    (option) => {
      if (typeof option === 'string') return [{ value: option, label: option }];
      if (option !== null && typeof option === 'object') {
        const { value, label } = option as { value?: unknown; label?: unknown };
        if (typeof value === 'string') {
          return [{ value, label: typeof label === 'string' && label !== '' ? label : value }];
        }
      }
      return [];
    },
  );
  const form =
    record.form !== null && typeof record.form === 'object' && !Array.isArray(record.form)
      ? (record.form as Record<string, unknown>)
      : undefined;
  return form === undefined ? { options } : { options, form };
}
