/**
 * The SSRF guard against real sockets: every address form of the design note is refused at save time and at send
 * time, and a listener that would have received the request sees no connection at all. The same loopback URL goes
 * through once an operator allow-lists it, which is how every other outbound test reaches its receiver.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import {
  OutboundError,
  OutboundGuard,
  sendOutbound,
  type Resolve,
} from '../../src/notify/outbound-guard.js';
import { startReceiver, type TestReceiver } from '../helpers/http-receiver.js';

const open = { allowedHosts: [], allowedCidrs: [], allowHttp: true };

async function refusal(promise: Promise<unknown>): Promise<OutboundError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(OutboundError);
  return error as OutboundError;
}

describe('outbound guard', () => {
  let receiver: TestReceiver;

  beforeEach(async () => {
    // Dual-stack, so 127.0.0.1, ::1, the mapped forms and 0.0.0.0 would all land here if the guard let them out.
    receiver = await startReceiver('::');
  });

  afterEach(async () => {
    await receiver.close();
  });

  it('refuses every internal address form, before any connection', async () => {
    const port = receiver.port;
    const urls = [
      `http://127.0.0.1:${port}/`,
      `http://[::1]:${port}/`,
      `http://[::ffff:127.0.0.1]:${port}/`,
      `http://[::ffff:7f00:1]:${port}/`,
      `http://[0:0:0:0:0:ffff:7f00:1]:${port}/`,
      `http://2130706433:${port}/`,
      `http://0x7f000001:${port}/`,
      `http://0x7f.1:${port}/`,
      `http://0177.0.0.1:${port}/`,
      `http://127.1:${port}/`,
      `http://0.0.0.0:${port}/`,
      `http://0:${port}/`,
      `http://[::]:${port}/`,
      `http://localhost:${port}/`,
      'http://169.254.169.254/latest/meta-data/',
      'http://[::ffff:169.254.169.254]/',
      'http://10.0.0.1/',
      'http://172.16.0.1/',
      'http://192.168.1.1/',
      'http://100.64.0.1/',
      'http://224.0.0.1/',
      'http://255.255.255.255/',
      'http://[fd00::1]/',
      'http://[fe80::1]/',
      'http://[ff02::1]/',
      'http://[64:ff9b::7f00:1]/',
      'http://[2002:7f00:1::]/',
      'http://[2001::1]/',
    ];
    const guard = new OutboundGuard(open);
    for (const url of urls) {
      const atSave = await refusal(guard.check(url));
      expect.soft(atSave.kind, url).toBe('ssrf_blocked');
      const atSend = await refusal(
        sendOutbound(guard, url, { headers: {}, body: '{}', timeoutMs: 2_000 }),
      );
      expect.soft(atSend.kind, url).toBe('ssrf_blocked');
    }
    expect(receiver.connections).toBe(0);
    expect(receiver.requests).toHaveLength(0);
  });

  it('a name that resolves inside is refused; one that rebinds after saving is refused when sent', async () => {
    let answers = ['93.184.215.14', '127.0.0.1'];
    const resolve: Resolve = (hostname) => {
      if (hostname === 'inside.test') return Promise.resolve([{ address: '127.0.0.1', family: 4 }]);
      const address = answers[0] ?? '127.0.0.1';
      answers = answers.slice(1);
      return Promise.resolve([{ address, family: 4 }]);
    };
    const guard = new OutboundGuard(open, { resolve });
    expect((await refusal(guard.check(`http://inside.test:${receiver.port}/`))).kind).toBe(
      'ssrf_blocked',
    );
    // The save-time answer is public, so the URL is accepted; the connect-time answer is loopback.
    await expect(guard.check(`http://rebind.test:${receiver.port}/`)).resolves.toBeInstanceOf(URL);
    const sent = await refusal(
      sendOutbound(guard, `http://rebind.test:${receiver.port}/`, {
        headers: {},
        body: '{}',
        timeoutMs: 2_000,
      }),
    );
    expect(sent.kind).toBe('ssrf_blocked');
    expect(receiver.connections).toBe(0);
  });

  it('one internal address among several refuses the name', async () => {
    const resolve: Resolve = () =>
      Promise.resolve([
        { address: '93.184.215.14', family: 4 },
        { address: '::1', family: 6 },
      ]);
    const guard = new OutboundGuard(open, { resolve });
    expect((await refusal(guard.check('https://mixed.test/'))).kind).toBe('ssrf_blocked');
  });

  it('the allow-lists let the same loopback URL through', async () => {
    const byCidr = new OutboundGuard({ ...open, allowedCidrs: ['127.0.0.1/32'] });
    const url = `http://127.0.0.1:${receiver.port}/hook`;
    await expect(byCidr.check(url)).resolves.toBeInstanceOf(URL);
    const response = await sendOutbound(byCidr, url, {
      headers: { 'content-type': 'application/json' },
      body: '{"a":1}',
      timeoutMs: 5_000,
    });
    expect(response.status).toBe(204);
    expect(receiver.requests[0]?.body).toBe('{"a":1}');
    // The allow-list names 127.0.0.1 only: the rest of 127/8 and ::1 stay refused.
    expect((await refusal(byCidr.check(`http://127.0.0.2:${receiver.port}/`))).kind).toBe(
      'ssrf_blocked',
    );

    const byHost = new OutboundGuard(
      { ...open, allowedHosts: ['*.flowgate.test'] },
      {
        resolve: () => Promise.resolve([{ address: '127.0.0.1', family: 4 }]),
      },
    );
    const named = await sendOutbound(byHost, `http://hooks.flowgate.test:${receiver.port}/`, {
      headers: {},
      body: '{}',
      timeoutMs: 5_000,
    });
    expect(named.status).toBe(204);
    // A name outside the allow-list is checked like any other: it resolves to loopback here.
    expect((await refusal(byHost.check(`http://flowgate.test.evil:${receiver.port}/`))).kind).toBe(
      'ssrf_blocked',
    );
  });

  it('plain http only when allowed; no credentials in the URL', async () => {
    const strict = new OutboundGuard({
      allowedHosts: [],
      allowedCidrs: ['127.0.0.1/32'],
      allowHttp: false,
    });
    const http = await refusal(strict.check(`http://127.0.0.1:${receiver.port}/`));
    expect(http.kind).toBe('invalid_url');
    expect(http.message).toContain('FLOWGATE_ALLOW_HTTP_WEBHOOKS');
    expect((await refusal(strict.check('ftp://example.com/'))).kind).toBe('invalid_url');
    expect((await refusal(strict.check('https://user:pw@example.com/'))).kind).toBe('invalid_url');
    expect(receiver.connections).toBe(0);
  });

  it('a redirect is returned as it is; its Location is never fetched', async () => {
    const target = await startReceiver();
    try {
      receiver.answer = (_request, response) => {
        response.writeHead(302, { location: `${target.url}/internal` }).end();
      };
      const guard = new OutboundGuard({ ...open, allowedCidrs: ['127.0.0.1/32', '::1'] });
      const response = await sendOutbound(guard, `http://127.0.0.1:${receiver.port}/`, {
        headers: {},
        body: '{}',
        timeoutMs: 5_000,
      });
      expect(response.status).toBe(302);
      expect(target.connections).toBe(0);
      expect(target.requests).toHaveLength(0);
    } finally {
      await target.close();
    }
  });

  it('a receiver that never answers is cut off at the timeout', async () => {
    receiver.answer = () => undefined;
    const guard = new OutboundGuard({ ...open, allowedCidrs: ['127.0.0.1/32'] });
    const started = Date.now();
    const error = await refusal(
      sendOutbound(guard, `http://127.0.0.1:${receiver.port}/`, {
        headers: {},
        body: '{}',
        timeoutMs: 300,
      }),
    );
    expect(error.kind).toBe('timeout');
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
