/** The CLI's exit codes: scripts and CI jobs branch on them, so they never change meaning. */
export const ExitCode = {
  /** The command did what was asked; for `run`, the run completed. */
  ok: 0,
  /**
   * The run failed or was cancelled, or the command could not do its work (a request already
   * decided, say).
   */
  failed: 1,
  /** Bad usage: an unknown flag, a missing file, malformed JSON, an invalid DAG or answer. */
  usage: 2,
  /** The run waits for people: decide with `flowgate hitl …`, and a worker finishes it. */
  waiting: 3,
  /** Stopped by Ctrl-C (128 + SIGINT, as shells report it). */
  interrupted: 130,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];
