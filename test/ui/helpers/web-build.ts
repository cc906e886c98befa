/**
 * The built UI, for the browser tests and the U1 benchmark: dist/web when it is newer than every file of web/ and is
 * the production build, else `vite build web` first. A lock directory keeps two test files, two vitest runs or a
 * benchmark and a test run from building into the same folder at the same time.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';

/** The package this file belongs to, for the tests (the benchmark runs compiled elsewhere and names its own). */
export const PACKAGE_ROOT = fileURLToPath(new URL('../../..', import.meta.url));
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

export async function ensureWebBuilt(
  options: { packageRoot?: string; waitMs?: number } = {},
): Promise<WebBuild> {
  const packageRoot = options.packageRoot ?? PACKAGE_ROOT;
  const waitMs = options.waitMs ?? 60_000;
  if (!existsSync(join(packageRoot, 'web', 'index.html'))) {
    throw new Error(`${packageRoot} holds no web/ folder`);
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
  const deadline = Date.now() + waitMs;
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
    // Another process may have built it while this one waited.
    if (fresh()) return { root, buildMs: 0 };
    const started = Date.now();
    const vite = join(packageRoot, 'node_modules', 'vite', 'bin', 'vite.js');
    const result = spawnSync(process.execPath, [vite, 'build', 'web', '--logLevel', 'warn'], {
      cwd: packageRoot,
      encoding: 'utf8',
      timeout: waitMs,
      // vitest sets NODE_ENV=test, with which Vite bundles React's development build: build what `serve` ships.
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
