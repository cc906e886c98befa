/** Dotted paths (`payee.name`) into a proposed value: what an approver may edit, and what changed. */

export function getPath(value: unknown, path: string): unknown {
  let current = value;
  for (const key of path.split('.')) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

export interface Change {
  readonly path: string;
  readonly before: unknown;
  readonly after: unknown;
}

/** The edits that change something, with what they change. */
export function changesOf(proposed: unknown, edits: Readonly<Record<string, unknown>>): Change[] {
  return Object.entries(edits)
    .map(([path, after]) => ({ path, before: getPath(proposed, path), after }))
    .filter((change) => JSON.stringify(change.before) !== JSON.stringify(change.after));
}

/** A value as one line of text for a diff or a table cell. */
export function show(value: unknown): string {
  if (value === undefined) return '(none)';
  if (typeof value === 'string') return value;
  return JSON.stringify(value);
}
