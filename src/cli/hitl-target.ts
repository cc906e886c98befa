/**
 * Where `flowgate hitl` reads and decides requests: straight in a database, or through a running
 * server's REST API with an API key. Flags win over environment variables, as everywhere in
 * Flowgate; an explicit `--db` also wins over an exported FLOWGATE_SERVER_URL, so a shell set up
 * for a server can still reach a database file.
 */
import { CliError } from './cli-error.js';
import { ENV, type Env } from './env.js';
import { resolveDbUrl, resolveUser } from './resolve-settings.js';

export type HitlTarget =
  | { readonly kind: 'database'; readonly db: string; readonly by: string }
  | { readonly kind: 'server'; readonly server: URL; readonly apiKey: string };

export interface HitlTargetFlags {
  readonly db?: string;
  readonly server?: string;
  readonly apiKey?: string;
  readonly as?: string;
}

function nonEmpty(value: string | undefined): string | undefined {
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

export function resolveHitlTarget(flags: HitlTargetFlags, env: Env): HitlTarget {
  const serverFlag = nonEmpty(flags.server);
  const dbFlag = nonEmpty(flags.db);
  if (serverFlag !== undefined && dbFlag !== undefined) {
    throw new CliError(
      '--server and --db are alternatives: a server works on its own database, so give one of them',
    );
  }
  const serverText = serverFlag ?? (dbFlag === undefined ? nonEmpty(env[ENV.server]) : undefined);
  if (serverText === undefined) {
    if (nonEmpty(flags.apiKey) !== undefined) {
      throw new CliError(`--api-key is sent to a server: give --server too (or ${ENV.server})`);
    }
    return { kind: 'database', db: resolveDbUrl(dbFlag, env), by: resolveUser(flags.as, env) };
  }
  const source = serverFlag === undefined ? ENV.server : '--server';
  if (flags.as !== undefined) {
    const server = serverFlag === undefined ? `a server (${ENV.server} is set)` : '--server';
    throw new CliError(
      `--as does not go with ${server}: the server acts as the API key's user, ` +
        "so decide with that user's key, or use --db to work on the database",
    );
  }
  return {
    kind: 'server',
    server: parseServerUrl(serverText, source),
    apiKey: resolveApiKey(flags, env),
  };
}

/** The base URL with a trailing slash, so that a server behind a path prefix keeps its prefix. */
function parseServerUrl(text: string, source: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new CliError(`${source} must be a URL such as http://127.0.0.1:3000, not "${text}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new CliError(`${source} must be an http:// or https:// URL, not "${text}"`);
  }
  // fetch refuses URLs with credentials, and a secret in a URL ends up in shell history and logs.
  if (url.username !== '' || url.password !== '') {
    throw new CliError(
      `${source} must not hold credentials: put the API key in ${ENV.apiKey} instead`,
    );
  }
  if (url.search !== '' || url.hash !== '') {
    throw new CliError(`${source} must be the server's base URL, without ? or #`);
  }
  if (!url.pathname.endsWith('/')) url.pathname = `${url.pathname}/`;
  return url;
}

function resolveApiKey(flags: HitlTargetFlags, env: Env): string {
  const fromFlag = nonEmpty(flags.apiKey);
  const key = fromFlag ?? nonEmpty(env[ENV.apiKey]);
  if (key === undefined) {
    throw new CliError(
      `A server needs an API key: set ${ENV.apiKey} (create a key with POST /api/me/api-keys ` +
        'or in the web UI under Settings)',
    );
  }
  // A header value cannot hold whitespace; fetch would fail with a message that blames the network.
  if (/\s/.test(key)) {
    const source = fromFlag === undefined ? ENV.apiKey : '--api-key';
    throw new CliError(`${source} must be one word without spaces, as the server issued it`);
  }
  return key;
}

/** The server as messages show it: without the trailing slash the base URL carries. */
export function describeServer(server: URL): string {
  return server.href.replace(/\/$/, '');
}
