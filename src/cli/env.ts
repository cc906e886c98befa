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
} as const;

export const DEFAULTS = {
  db: 'sqlite:data/flowgate.db',
  /**
   * Loopback only: the server has no authentication yet, so it must not face a network by default.
   */
  host: '127.0.0.1',
  port: 3000,
  user: 'cli',
} as const;

/** The environment as commands see it (a plain record, so tests can pass their own). */
export type Env = Readonly<Record<string, string | undefined>>;
