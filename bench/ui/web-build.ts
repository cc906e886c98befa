/**
 * The built UI the U1 workload serves: dist/web when it is newer than every file of web/, else `vite build web`
 * first. It takes the same lock directory as the browser tests (test/ui/helpers/web-build.ts), so a benchmark and
 * a test run on the same checkout never build into dist/web at the same time. Paths come from the working
 * directory (bench/run.ts starts workload processes in the package root), not from this file's place, because the
 * workload process runs compiled from bench/results/.build.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

const LOCK_WAIT_MS = 120_000;
/** A lock older than this was left by a killed build. */
const STALE_LOCK_MS = 120_000;

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(path) : statSync(path).mtimeMs);
  }
  return newest;
}

/**
 * Whether dist/web holds React's development build: a build run with NODE_ENV set to anything but production (vitest
 * sets `test`) bundles it, nearly twice the size and slower, which is not what `flowgate serve` ships.
 */
function isDevelopmentBuild(root: string): boolean {
  const entry = /src="\/(assets\/index-[^"]+\.js)"/.exec(
    readFileSync(join(root, 'index.html'), 'utf8'),
  );
  if (!entry?.[1]) return true;
  return readFileSync(join(root, entry[1]), 'utf8').includes('react-stack-top-frame');
}

export interface WebBuild {
  /** The folder `flowgate serve` serves at `/`. */
  readonly root: string;
  /** How long building took; 0 when dist/web was fresh. */
  readonly buildMs: number;
}

export async function ensureWebBuilt(packageRoot = process.cwd()): Promise<WebBuild> {
  if (!existsSync(join(packageRoot, 'web', 'index.html'))) {
    throw new Error(`${packageRoot} holds no web/ folder: run the benchmark from the package root`);
  }
  const root = join(packageRoot, 'dist', 'web');
  const fresh = () => {
    const page = join(root, 'index.html');
    return (
      existsSync(page) &&
      statSync(page).mtimeMs >= newestMtime(join(packageRoot, 'web')) &&
      !isDevelopmentBuild(root)
    );
  };
  if (fresh()) return { root, buildMs: 0 };

  const lock = join(packageRoot, '.tmp', 'web-build.lock');
  mkdirSync(join(packageRoot, '.tmp'), { recursive: true });
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (Date.now() - statSync(lock).mtimeMs > STALE_LOCK_MS)
        rmSync(lock, { recursive: true, force: true });
      if (Date.now() > deadline) throw new Error(`the UI build lock ${lock} stayed taken`);
      await sleep(200);
    }
  }
  try {
    if (fresh()) return { root, buildMs: 0 };
    const started = Date.now();
    const vite = join(packageRoot, 'node_modules', 'vite', 'bin', 'vite.js');
    const result = spawnSync(process.execPath, [vite, 'build', 'web', '--logLevel', 'warn'], {
      cwd: packageRoot,
      encoding: 'utf8',
      timeout: LOCK_WAIT_MS,
      env: { ...process.env, NODE_ENV: 'production' },
    });
    if (result.status !== 0) {
      throw new Error(`vite build failed (${result.status}): ${result.stderr}${result.stdout}`);
    }
    return { root, buildMs: Date.now() - started };
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}
