/**
 * The environment variables the CLI reads, named in one place (STYLE.md §10) so that help texts,
 * messages and code cannot drift apart; the server's settings are named in src/config. Nothing here
 * reads the environment: commands are handed `process.env` when they run.
 */
import { SETTINGS } from '../config/index.js';

export const ENV = {
  db: SETTINGS.db.env,
  port: SETTINGS.port.env,
  jwtSecret: SETTINGS.jwtSecret.env,
  adminPassword: SETTINGS.adminPassword.env,
  /**
   * Who starts runs and decides requests when `--as` is not given; `USERNAME` is Windows' name for
   * it.
   */
  user: 'USER',
  userWindows: 'USERNAME',
  /** Any non-empty value prints stack traces under error messages. */
  debug: 'FLOWGATE_DEBUG',
  /** The Flowgate server `hitl` talks to instead of opening the database (`--server`). */
  server: 'FLOWGATE_SERVER_URL',
  /** The API key `hitl` sends to that server (`--api-key`); created with `POST /api/me/api-keys`. */
  apiKey: 'FLOWGATE_API_KEY',
} as const;

export const DEFAULTS = {
  db: SETTINGS.db.default,
  host: SETTINGS.host.default,
  port: SETTINGS.port.default,
  user: 'cli',
} as const;

/** The environment as commands see it (a plain record, so tests can pass their own). */
export type Env = Readonly<Record<string, string | undefined>>;
