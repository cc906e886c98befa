/**
 * The built UI for the browser tests: dist/web when it is newer than every file of web/, else built once (a lock
 * directory keeps two test files, or two vitest runs, from building into the same folder at the same time).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PACKAGE_ROOT = fileURLToPath(new URL('../../..', import.meta.url));
export const WEB_ROOT = join(PACKAGE_ROOT, 'dist', 'web');
const SOURCES = join(PACKAGE_ROOT, 'web');
const LOCK = join(PACKAGE_ROOT, '.tmp', 'web-build.lock');
const LOCK_WAIT_MS = 60_000;
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

function isFresh(): boolean {
  const page = join(WEB_ROOT, 'index.html');
  return existsSync(page) && statSync(page).mtimeMs >= newestMtime(SOURCES);
}

function tryLock(): boolean {
  try {
    mkdirSync(LOCK);
    return true;
  } catch {
    if (Date.now() - statSync(LOCK).mtimeMs > STALE_LOCK_MS) {
      rmSync(LOCK, { recursive: true, force: true });
    }
    return false;
  }
}

export async function ensureWebBuilt(): Promise<string> {
  if (isFresh()) return WEB_ROOT;
  mkdirSync(join(PACKAGE_ROOT, '.tmp'), { recursive: true });
  const deadline = Date.now() + LOCK_WAIT_MS;
  while (!tryLock()) {
    if (Date.now() > deadline) throw new Error(`the UI build lock ${LOCK} stayed taken`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  try {
    // Another file may have built it while this one waited.
    if (isFresh()) return WEB_ROOT;
    const vite = join(PACKAGE_ROOT, 'node_modules', 'vite', 'bin', 'vite.js');
    const result = spawnSync(process.execPath, [vite, 'build', 'web', '--logLevel', 'warn'], {
      cwd: PACKAGE_ROOT,
      encoding: 'utf8',
      timeout: LOCK_WAIT_MS,
      // vitest sets NODE_ENV=test, with which Vite bundles React's development build: build what `flowgate serve` ships.
      env: { ...process.env, NODE_ENV: 'production' },
    });
    if (result.status !== 0) {
      throw new Error(`vite build failed (${result.status}): ${result.stderr}${result.stdout}`);
    }
    return WEB_ROOT;
  } finally {
    rmSync(LOCK, { recursive: true, force: true });
  }
}
