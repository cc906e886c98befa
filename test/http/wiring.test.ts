/**
 * The whole server as `flowgate serve` builds it (with the store): it serves the live event stream and the metrics
 * routes as well, and its OpenAPI document matches the committed copy (a drift guard: a change to the contract shows
 * in review; refresh with `npx vitest run test/http/wiring.test.ts -u`).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { AuthService } from '../../src/auth/auth-service.js';
import { buildServer, type FlowgateServer } from '../../src/http/build-server.js';
import { systemClock } from '../../src/shared/clock.js';
import { startTestFlowgate, type TestFlowgate } from '../helpers/flowgate.js';

describe('the server as serve builds it', () => {
  let t: TestFlowgate;
  let app: FlowgateServer;
  beforeAll(async () => {
    t = await startTestFlowgate('sqlite', { workers: false });
    const auth = new AuthService({
      store: t.flowgate.store,
      clock: systemClock,
      jwtSecret: 'a-test-secret-of-at-least-32-characters!',
    });
    app = buildServer({ flowgate: t.flowgate, auth });
    await app.ready();
  });
  afterAll(async () => {
    await app?.close();
    await t?.close();
  });

  it('serves /api/events, /api/metrics/* and /metrics', async () => {
    expect((await app.inject({ method: 'GET', url: '/api/events' })).statusCode).toBe(401);
    expect((await app.inject({ method: 'GET', url: '/api/metrics/hitl' })).statusCode).toBe(401);
    const scrape = await app.inject({ method: 'GET', url: '/metrics' });
    expect(scrape.statusCode).toBe(200);
    expect(scrape.body).toContain('flowgate_http_request_duration_seconds');
    const paths = Object.keys(
      (await app.inject({ method: 'GET', url: '/api/openapi.json' })).json<{
        paths: Record<string, unknown>;
      }>().paths,
    );
    expect(paths).toEqual(expect.arrayContaining(['/api/events', '/api/metrics/hitl', '/metrics']));
  });

  it('publishes an OpenAPI document that matches the committed copy', async () => {
    const response = await app.inject({ method: 'GET', url: '/api/openapi.json' });
    const document = JSON.stringify(response.json(), null, 2);
    await expect(`${document}\n`).toMatchFileSnapshot('../__snapshots__/openapi.json');
  });
});
