/** A value as indented JSON, in a region that scrolls and can be reached by keyboard. */
export function JsonView({ value, label }: { value: unknown; label: string }) {
  const text = value === undefined ? '(none)' : JSON.stringify(value, null, 2);
  return (
    <pre className="json" tabIndex={0} aria-label={label}>
      {text}
    </pre>
  );
}
