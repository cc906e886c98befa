/** Chromium for the browser tests, with the folder their screenshots are written to. */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

import type { Browser } from 'playwright-core';

import { launchChromium as launch } from './chromium.js';
import { PACKAGE_ROOT } from './web-build.js';

export { CHROMIUM } from './chromium.js';
export const ARTIFACTS = join(PACKAGE_ROOT, 'test-artifacts', 'ui');

export async function launchChromium(): Promise<Browser> {
  mkdirSync(ARTIFACTS, { recursive: true });
  return launch();
}
