/**
 * The CLI as a real child process (`node --import tsx src/cli/main.ts …`), with its output
 * collected, bounded waits, and a registry so that `afterEach` can kill whatever a failed test left
 * running.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
const running = new Set<CliProcess>();

export interface CliResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface CliOptions {
  /**
   * Added to a clean environment (no FLOWGATE_DB, PORT, FLOWGATE_SERVER_URL or FLOWGATE_API_KEY
   * from the developer's shell).
   */
  readonly env?: Readonly<Record<string, string>>;
  /** `pipe` to write answers; the default gives the child /dev/null, which is no terminal. */
  readonly stdin?: 'pipe' | 'ignore';
}

export class CliProcess {
  readonly child: ChildProcess;
  stdout = '';
  stderr = '';
  readonly #exited: Promise<CliResult>;

  constructor(args: readonly string[], options: CliOptions = {}) {
    const env: Record<string, string | undefined> = { ...process.env, USER: 'tester' };
    delete env.FLOWGATE_DB;
    delete env.PORT;
    delete env.FLOWGATE_SERVER_URL;
    delete env.FLOWGATE_API_KEY;
    this.child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], {
      cwd: ROOT,
      env: { ...env, ...options.env },
      stdio: [options.stdin ?? 'ignore', 'pipe', 'pipe'],
    });
    this.child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (this.stdout += chunk));
    this.child.stderr!.setEncoding('utf8').on('data', (chunk: string) => (this.stderr += chunk));
    running.add(this);
    this.#exited = new Promise((resolve) => {
      this.child.on('close', (code, signal) => {
        running.delete(this);
        resolve({ code, signal, stdout: this.stdout, stderr: this.stderr });
      });
    });
  }

  write(text: string): void {
    this.child.stdin!.write(text);
  }

  /**
   * Resolves with the first match of the pattern in stdout; rejects (with the output) after the
   * timeout.
   */
  async waitForOutput(pattern: RegExp, timeoutMs = 20_000): Promise<RegExpMatchArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const match = pattern.exec(this.stdout);
      if (match) return match;
      if (Date.now() > deadline || this.child.exitCode !== null) {
        throw new Error(`No ${pattern} in the output.\n${this.transcript()}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
  }

  /** The exit, within the timeout (the child is killed and the test fails otherwise). */
  async exit(timeoutMs = 15_000): Promise<CliResult> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        this.kill();
        reject(new Error(`The CLI did not exit within ${timeoutMs} ms.\n${this.transcript()}`));
      }, timeoutMs);
    });
    try {
      return await Promise.race([this.#exited, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  kill(signal: NodeJS.Signals = 'SIGKILL'): void {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill(signal);
  }

  transcript(): string {
    return `--- stdout ---\n${this.stdout}\n--- stderr ---\n${this.stderr}`;
  }
}

export function startCli(args: readonly string[], options?: CliOptions): CliProcess {
  return new CliProcess(args, options);
}

/** Runs a command to its exit. */
export function runCli(args: readonly string[], options?: CliOptions): Promise<CliResult> {
  return startCli(args, options).exit();
}

/** For `afterEach`: kills every child still running and waits for them to go. */
export async function killAllCli(): Promise<void> {
  const left = [...running];
  for (const cli of left) cli.kill();
  await Promise.all(left.map((cli) => cli.exit(5_000).catch(() => undefined)));
}

/** The JSON printed after `Result:` by `flowgate run`. */
export function printedResult(stdout: string): unknown {
  const at = stdout.indexOf('\nResult:\n');
  if (at < 0) throw new Error(`No result in the output:\n${stdout}`);
  return JSON.parse(stdout.slice(at + '\nResult:\n'.length)) as unknown;
}
