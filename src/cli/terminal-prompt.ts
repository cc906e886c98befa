import { createInterface, type Interface } from 'node:readline/promises';

/** The input ended (or the user pressed Ctrl-C) before an answer came. */
export class PromptClosedError extends Error {
  override readonly name: string = 'PromptClosedError';
}

/**
 * Questions on a terminal, one answer per line. Lines that arrive before their question are kept
 * rather than lost (which `rl.question` would do): piped answers (`printf 'approve\n' | flowgate
 * run … --prompt`) arrive all at once, long before the run reaches its human node.
 */
export class TerminalPrompt {
  readonly #rl: Interface;
  readonly #output: NodeJS.WritableStream;
  readonly #echo: boolean;
  readonly #lines: string[] = [];
  #waiter: { resolve: (line: string) => void; reject: (error: Error) => void } | undefined;
  #closed = false;

  constructor(
    input: NodeJS.ReadableStream & { isTTY?: boolean },
    output: NodeJS.WritableStream,
    options: { onInterrupt?: () => void } = {},
  ) {
    const terminal = input.isTTY === true;
    this.#rl = createInterface({ input, output, terminal });
    this.#output = output;
    // Without a terminal nothing echoes what was typed; echoing the answer keeps the transcript
    // readable.
    this.#echo = !terminal;
    this.#rl.on('line', (line) => {
      const waiter = this.#waiter;
      this.#waiter = undefined;
      if (waiter) waiter.resolve(line);
      else this.#lines.push(line);
    });
    this.#rl.on('close', () => {
      this.#closed = true;
      this.#waiter?.reject(new PromptClosedError('The input ended before an answer'));
      this.#waiter = undefined;
    });
    // In a terminal, readline takes Ctrl-C for itself; without a listener it would only pause the
    // input.
    this.#rl.on('SIGINT', () => {
      options.onInterrupt?.();
      this.close();
    });
  }

  /** Prints a line (or several). */
  say(text: string): void {
    this.#output.write(`${text}\n`);
  }

  /**
   * Asks and resolves with the next line, trimmed; rejects with PromptClosedError when there will
   * be none.
   */
  async ask(question: string): Promise<string> {
    this.#rl.setPrompt(question);
    this.#rl.prompt();
    const line = await this.#nextLine();
    if (this.#echo) this.#output.write(`${line}\n`);
    return line.trim();
  }

  #nextLine(): Promise<string> {
    const queued = this.#lines.shift();
    if (queued !== undefined) return Promise.resolve(queued);
    if (this.#closed)
      return Promise.reject(new PromptClosedError('The input ended before an answer'));
    return new Promise((resolve, reject) => {
      this.#waiter = { resolve, reject };
    });
  }

  close(): void {
    if (!this.#closed) this.#rl.close();
  }
}
