/**
 * The workload process's handle on the client process (client-process.ts): the load runs in a process of its own so
 * that it neither shares the server's event loop nor counts in its RSS or CPU profile. Forked with this process's
 * Node flags (so it runs compiled, or under tsx, like this one).
 */
import { fork, type ChildProcess } from 'node:child_process';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';

import type { ClientCommand, ClientMessage, ClientReplies } from './protocol.js';

export class LoadClient {
  readonly #child: ChildProcess;
  #exited: string | undefined;

  private constructor(child: ChildProcess) {
    this.#child = child;
    child.on('exit', (code, signal) => {
      this.#exited = `the client process exited (${signal ?? `code ${code}`})`;
    });
  }

  static start(): LoadClient {
    // The sibling module with this module's extension: .js when compiled, .ts under tsx.
    const here = fileURLToPath(import.meta.url);
    const entry = fileURLToPath(new URL(`./client-process${extname(here)}`, import.meta.url));
    return new LoadClient(fork(entry, [], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
  }

  /** Sends one command and waits (at most `timeoutMs`) for its reply. */
  call<C extends ClientCommand>(command: C, timeoutMs: number): Promise<ClientReplies[C['kind']]> {
    return new Promise((resolve, reject) => {
      if (this.#exited) {
        reject(new Error(this.#exited));
        return;
      }
      const done = () => {
        clearTimeout(timer);
        this.#child.off('message', onMessage);
        this.#child.off('exit', onExit);
      };
      const onMessage = (message: ClientMessage) => {
        done();
        if (message.ok) resolve(message.reply as ClientReplies[C['kind']]);
        else reject(new Error(`client ${command.kind}: ${message.error}`));
      };
      const onExit = () => {
        done();
        reject(new Error(`client ${command.kind}: ${this.#exited ?? 'the client process exited'}`));
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`client ${command.kind}: no reply within ${timeoutMs} ms`));
      }, timeoutMs);
      this.#child.on('message', onMessage);
      this.#child.once('exit', onExit);
      this.#child.send(command);
    });
  }

  /** Ends the client process (it holds no state worth keeping). */
  stop(): void {
    if (this.#child.exitCode === null && this.#child.signalCode === null) this.#child.kill();
  }
}
