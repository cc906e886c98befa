/**
 * The web UI (built by Vite into `dist/web`) on the API's origin: hashed assets under `/assets/` cached for a year,
 * and `index.html` for the UI routes of API.md, never cached, so a new build reaches the browser on its next visit.
 * Only the UI's own routes fall back to the page: `/api`, `/a`, `/hooks`, `/docs` and `/metrics` keep their routes,
 * and an unknown path still gets the JSON 404.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

import fastifyStatic from '@fastify/static';
import type { FastifyPluginAsync } from 'fastify';

/** The client-side routes of API.md ("Web UI"); `*` covers the pages below them (`/requests/:requestId`, ...). */
export const UI_ROUTES = [
  '/',
  '/login',
  '/inbox',
  '/requests/*',
  '/runs',
  '/runs/*',
  '/dags',
  '/dags/*',
  '/plans',
  '/plans/*',
  '/settings',
  '/admin/*',
] as const;

export interface WebUiOptions {
  /** The built folder: `index.html` and `assets/`. */
  readonly root: string;
}

/**
 * Where the package keeps its build: `dist/web` beside the compiled server (`dist/http/..`), or, when the server
 * runs from the sources (tsx), the package's `dist/web`. Undefined when the UI was not built.
 */
export function defaultWebRoot(): string | undefined {
  const here = fileURLToPath(new URL('.', import.meta.url));
  const candidates = [join(here, '..', 'web'), join(here, '..', '..', 'dist', 'web')];
  return candidates.find((dir) => existsSync(join(dir, 'index.html')));
}

export const webUiRoutes: FastifyPluginAsync<WebUiOptions> = async (app, { root }) => {
  // Read once: a build names its assets by their content, so this page and its assets change together.
  const page = readFileSync(join(root, 'index.html'), 'utf8');

  await app.register(fastifyStatic, {
    root: join(root, 'assets'),
    prefix: '/assets/',
    // The swagger UI registers its own copy; only one may decorate the reply.
    decorateReply: false,
    immutable: true,
    maxAge: '365d',
    index: false,
    // Hashed names: a 404 for a stale one is the right answer, not the page.
    wildcard: true,
  });

  for (const url of UI_ROUTES) {
    app.get(url, { schema: { hide: true } }, (_request, reply) =>
      reply
        .header('cache-control', 'no-cache')
        .header('x-content-type-options', 'nosniff')
        .type('text/html; charset=utf-8')
        .send(page),
    );
  }
};
