import { formatPath, isPlainObject } from './document-path.js';
import type { DagPermissions, DagProblem, DagSettings } from './model.js';
import { readDuration } from './parse-duration.js';
import { readAiBudget } from './read-ai-budget.js';
import { readRetention } from './read-retention.js';

/** The document-level parts of a DAG, shared by every format. */
export interface DagHeader {
  readonly dagId: string;
  readonly name?: string;
  readonly description?: string;
  readonly settings: DagSettings;
  readonly permissions?: DagPermissions;
  readonly metadata?: Readonly<Record<string, unknown>>;
  /** The document's own start nodes, with the path of each; undefined when it lists none. */
  readonly startNodes?: { readonly ids: readonly string[]; readonly paths: readonly string[] };
}

/**
 * Turns a name into an id: lowercase, runs of anything but letters and digits become one `_`
 * ("Content Review - EU" → `content_review_eu`).
 */
export function slugify(name: string): string {
  return name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '');
}

/**
 * Reads the DAG id (`dag_id`, else `id`, else, when `idFromName`, a slug of `name`), name, settings,
 * permissions, metadata and start nodes. Values of the right type but wrong meaning become problems.
 */
export function readDagHeader(
  document: Record<string, unknown>,
  idFromName: boolean,
  problems: DagProblem[],
): DagHeader {
  const name = nonEmptyString(document.name);
  const description = nonEmptyString(document.description);
  let dagId = nonEmptyString(document.dag_id) ?? nonEmptyString(document.id);
  if (dagId === undefined && idFromName && name !== undefined) dagId = slugify(name) || undefined;
  if (dagId === undefined) {
    problems.push({
      code: 'invalid_document',
      path: 'dag_id',
      message: idFromName ? 'a DAG needs a dag_id, an id or a name' : 'a DAG needs a dag_id',
    });
  }
  const permissions = readPermissions(document.permissions);
  const startNodes = readStartNodes(document);
  return {
    dagId: dagId ?? '',
    ...(name !== undefined ? { name } : {}),
    ...(description !== undefined ? { description } : {}),
    settings: readSettings(document.settings, problems),
    ...(permissions ? { permissions } : {}),
    ...(isPlainObject(document.metadata) ? { metadata: document.metadata } : {}),
    ...(startNodes ? { startNodes } : {}),
  };
}

function nonEmptyString(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() !== '' ? value : undefined;
}

function readSettings(value: unknown, problems: DagProblem[]): DagSettings {
  if (!isPlainObject(value)) return {};
  const {
    timeout,
    timeoutMs,
    maxRetries,
    concurrency,
    retention,
    retentionMs,
    aiBudget,
    ...others
  } = value;
  const settings: Record<string, unknown> = { ...others };
  const invalid = (key: string, message: string) =>
    problems.push({ code: 'invalid_config', path: formatPath([key], 'settings'), message });

  if (typeof timeout === 'number' || typeof timeout === 'string') {
    const result = readDuration(timeout);
    if ('ms' in result) settings.timeoutMs = result.ms;
    else invalid('timeout', result.problem);
  } else if (typeof timeoutMs === 'number') {
    if (Number.isFinite(timeoutMs) && timeoutMs >= 0) settings.timeoutMs = timeoutMs;
    else invalid('timeoutMs', 'must be a non-negative number of milliseconds');
  }
  if (typeof maxRetries === 'number') {
    if (Number.isInteger(maxRetries) && maxRetries >= 0) settings.maxRetries = maxRetries;
    else invalid('maxRetries', 'must be a whole number of retries, 0 or more');
  }
  if (typeof concurrency === 'number') {
    if (Number.isInteger(concurrency) && concurrency >= 1) settings.concurrency = concurrency;
    else invalid('concurrency', 'must be a whole number, 1 or more');
  }
  // `retentionMs` is how a stored (normalized) definition carries it back.
  const [retentionKey, retentionValue] =
    retention !== undefined && retention !== null
      ? ['retention', retention]
      : ['retentionMs', retentionMs];
  if (retentionValue !== undefined && retentionValue !== null) {
    const result = readRetention(retentionValue);
    if ('ms' in result) settings.retentionMs = result.ms;
    else invalid(retentionKey, result.problem);
  }
  if (aiBudget !== undefined && aiBudget !== null) {
    const result = readAiBudget(aiBudget);
    if ('budget' in result) settings.aiBudget = result.budget;
    else {
      for (const { key, message } of result.problems) {
        problems.push({
          code: 'invalid_config',
          path: formatPath(key === '' ? ['aiBudget'] : ['aiBudget', key], 'settings'),
          message,
        });
      }
    }
  }
  return settings;
}

function readPermissions(value: unknown): DagPermissions | undefined {
  if (!isPlainObject(value)) return undefined;
  const names = (list: unknown) =>
    Array.isArray(list) ? list.filter((entry): entry is string => typeof entry === 'string') : [];
  return {
    owners: names(value.owners),
    editors: names(value.editors),
    viewers: names(value.viewers),
    isPublic: value.isPublic === true,
  };
}

function readStartNodes(document: Record<string, unknown>): DagHeader['startNodes'] {
  const key = Array.isArray(document.start_nodes)
    ? 'start_nodes'
    : Array.isArray(document.startNodes)
      ? 'startNodes'
      : undefined;
  if (key === undefined) return undefined;
  const ids: string[] = [];
  const paths: string[] = [];
  (document[key] as unknown[]).forEach((entry, index) => {
    if (typeof entry !== 'string' || ids.includes(entry)) return;
    ids.push(entry);
    paths.push(formatPath([key, index]));
  });
  return { ids, paths };
}
