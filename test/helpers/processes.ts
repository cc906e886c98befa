import { spawn, type ChildProcess } from 'node:child_process';

const children = new Set<ChildProcess>();

/** Starts `node --import tsx SCRIPT ...args` and resolves once it prints `ready` (bounded by `timeoutMs`). */
export async function startScript(
  script: string,
  args: readonly string[],
  timeoutMs = 20_000,
): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env },
  });
  children.add(child);
  child.once('exit', () => children.delete(child));
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`${script} did not get ready: ${stderr}`)),
      timeoutMs,
    );
    child.stdout.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('ready')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${script} exited with ${code}: ${stderr}`));
    });
  });
  return child;
}

/** Kills with the signal and waits for the exit (bounded). */
export async function killProcess(
  child: ChildProcess,
  signal: NodeJS.Signals = 'SIGKILL',
): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill(signal);
  await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 10_000))]);
  if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}

/** Reaps every child a test left behind. */
export async function killAll(): Promise<void> {
  await Promise.all([...children].map((child) => killProcess(child)));
}
