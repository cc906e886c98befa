/**
 * `flowgate serve`'s web UI: the page for the UI routes of API.md, assets cached for good and the page never, and
 * nothing of the API shadowed (unknown /api paths keep their JSON 404). A built folder of our own stands in for
 * dist/web; SQLite only, as the routes under test do not touch the database (the API's suites run on both).
 */
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { AuthService } from '../../src/auth/auth-service.js';
import { buildServer, type FlowgateServer } from '../../src/http/build-server.js';
import { UI_ROUTES } from '../../src/http/web-ui.js';
import { systemClock } from '../../src/shared/clock.js';
import { startTestFlowgate, type TestFlowgate } from '../helpers/flowgate.js';

const PAGE =
  '<!doctype html><title>Flowgate</title><script type="module" src="/assets/index-AbC123.js"></script>';
const SCRIPT = 'console.log("ui");';

describe('web UI routes', () => {
  let t: TestFlowgate;
  let app: FlowgateServer;
  let bare: FlowgateServer;
  let root: string;

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'flowgate-web-'));
    mkdirSync(join(root, 'assets'));
    writeFileSync(join(root, 'index.html'), PAGE);
    writeFileSync(join(root, 'assets', 'index-AbC123.js'), SCRIPT);
    t = await startTestFlowgate('sqlite', { workers: false });
    const auth = new AuthService({
      store: t.flowgate.store,
      clock: systemClock,
      jwtSecret: 'a-test-secret-of-at-least-32-characters!',
    });
    app = buildServer({ flowgate: t.flowgate, auth, webRoot: root });
    bare = buildServer({ flowgate: t.flowgate, auth, webRoot: false });
    await Promise.all([app.ready(), bare.ready()]);
  });

  afterAll(async () => {
    await app?.close();
    await bare?.close();
    await t?.close();
    rmSync(root, { recursive: true, force: true });
  });

  it.each([
    '/',
    '/login',
    '/inbox?tab=decided&q=x',
    '/requests/4f9d2c1e',
    '/runs',
    '/runs/abc',
    '/dags',
    '/dags/invoice',
    '/plans',
    '/plans/3e1b',
    '/settings',
    '/admin/users',
    '/admin/webhooks',
  ])('serves the page for %s, never cached', async (url) => {
    const response = await app.inject({ method: 'GET', url });
    expect(response.statusCode).toBe(200);
    expect(response.headers['content-type']).toMatch(/^text\/html/);
    expect(response.headers['cache-control']).toBe('no-cache');
    expect(response.body).toBe(PAGE);
  });

  it('covers every route pattern it declares', () => {
    expect(UI_ROUTES).toContain('/requests/*');
    expect(UI_ROUTES.every((route) => route.startsWith('/'))).toBe(true);
  });

  it('serves hashed assets cached for a year, and 404 for a missing one', async () => {
    const asset = await app.inject({ method: 'GET', url: '/assets/index-AbC123.js' });
    expect(asset.statusCode).toBe(200);
    expect(asset.body).toBe(SCRIPT);
    expect(asset.headers['content-type']).toMatch(/javascript/);
    expect(asset.headers['cache-control']).toMatch(/max-age=31536000/);
    expect(asset.headers['cache-control']).toMatch(/immutable/);
    const missing = await app.inject({ method: 'GET', url: '/assets/index-Old999.js' });
    expect(missing.statusCode).toBe(404);
  });

  it('shadows nothing of the API: unknown /api paths and other paths keep the JSON 404', async () => {
    for (const url of ['/api/nope', '/api/requests/x', '/a', '/hooks', '/nope', '/inboxes']) {
      const response = await app.inject({ method: 'GET', url });
      expect(response.statusCode, url).toBe(404);
      expect(response.headers['content-type'], url).toMatch(/^application\/json/);
      expect(response.json<{ error: { code: string } }>().error.code).toBe('NOT_FOUND');
    }
    const health = await app.inject({ method: 'GET', url: '/api/health' });
    expect(health.headers['content-type']).toMatch(/^application\/json/);
    const metrics = await app.inject({ method: 'GET', url: '/metrics' });
    expect(metrics.statusCode).toBe(200);
    expect(metrics.body).not.toBe(PAGE);
    const docs = await app.inject({ method: 'GET', url: '/docs/json' });
    expect(docs.statusCode).toBe(200);
    expect(docs.body).not.toContain('/requests/*');
  });

  it('serves no page when the server is built without the UI', async () => {
    const response = await bare.inject({ method: 'GET', url: '/inbox' });
    expect(response.statusCode).toBe(404);
    expect(response.headers['content-type']).toMatch(/^application\/json/);
  });
});
