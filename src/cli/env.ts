/**
 * The environment variables the CLI reads, named in one place (STYLE.md §10) so that help texts,
 * messages and code cannot drift apart. Nothing here reads the environment: commands are handed
 * `process.env` when they run.
 */
export const ENV = {
  /** The database URL when `--db` is not given. */
  db: 'FLOWGATE_DB',
  /**
   * The port `serve` listens on when `--port` is not given (the convention of hosting platforms).
   */
  port: 'PORT',
  /**
   * Who starts runs and decides requests when `--as` is not given; `USERNAME` is Windows' name for
   * it.
   */
  user: 'USER',
  userWindows: 'USERNAME',
  /** Any non-empty value prints stack traces under error messages. */
  debug: 'FLOWGATE_DEBUG',
  /**
   * The key (at least 32 characters) that signs `serve`'s access tokens. Without it each start
   * generates a random one, so tokens do not survive a restart (refresh tokens and API keys do).
   */
  jwtSecret: 'FLOWGATE_JWT_SECRET',
  /**
   * The password `serve` gives the user `admin` it creates on a first start (no users yet);
   * without it a password is generated and printed once.
   */
  adminPassword: 'FLOWGATE_ADMIN_PASSWORD',
  /** The Flowgate server `hitl` talks to instead of opening the database (`--server`). */
  server: 'FLOWGATE_SERVER_URL',
  /** The API key `hitl` sends to that server (`--api-key`); created with `POST /api/me/api-keys`. */
  apiKey: 'FLOWGATE_API_KEY',
} as const;

export const DEFAULTS = {
  db: 'sqlite:data/flowgate.db',
  /**
   * Loopback only: a server faces a network only when its operator says so (`--host 0.0.0.0`),
   * ideally behind TLS.
   */
  host: '127.0.0.1',
  port: 3000,
  user: 'cli',
} as const;

/** The environment as commands see it (a plain record, so tests can pass their own). */
export type Env = Readonly<Record<string, string | undefined>>;
