/** The OpenAPI document is a contract: a change to it shows in review. Refresh: `npx vitest run test/http/openapi-drift.test.ts -u`. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { AuthService } from '../../src/auth/auth-service.js';
import { buildServer, type FlowgateServer } from '../../src/http/build-server.js';
import { systemClock } from '../../src/shared/clock.js';
import { startTestFlowgate, type TestFlowgate } from '../helpers/flowgate.js';

describe('OpenAPI document', () => {
  let t: TestFlowgate;
  let app: FlowgateServer;
  beforeAll(async () => {
    t = await startTestFlowgate('sqlite', { workers: false });
    const auth = new AuthService({
      store: t.flowgate.store,
      clock: systemClock,
      jwtSecret: 'a-test-secret-of-at-least-32-characters!',
    });
    app = buildServer({ flowgate: t.flowgate, auth, store: t.flowgate.store });
    await app.ready();
  });
  afterAll(async () => {
    await app?.close();
    await t?.close();
  });

  it('matches the committed copy', async () => {
    const response = await app.inject({ method: 'GET', url: '/api/openapi.json' });
    const document = JSON.stringify(response.json(), null, 2);
    await expect(`${document}\n`).toMatchFileSnapshot('../__snapshots__/openapi.json');
  });
});
