import { describe, expect, it } from 'vitest';

import { OutboundGuard } from './outbound-guard.js';

describe('outbound guard: address classification', () => {
  const guard = new OutboundGuard({ allowedHosts: [], allowedCidrs: [], allowHttp: false });

  it.each([
    '127.0.0.1',
    '10.1.2.3',
    '172.31.255.255',
    '192.168.0.1',
    '169.254.169.254',
    '100.64.0.1',
    '100.127.255.255',
    '0.0.0.0',
    '224.0.0.251',
    '255.255.255.255',
    '::',
    '::1',
    '::ffff:127.0.0.1',
    '::ffff:8.8.8.8',
    '::127.0.0.1',
    'fd00::1',
    'fc00::1',
    'fe80::1',
    'ff02::1',
    '64:ff9b::a00:1',
    '2002:a00:1::',
    '2001:0:4136:e378::1',
    '2001:db8::1',
  ])('%s is refused', (address) => {
    expect(guard.addressProblem(address)).toBeDefined();
  });

  it.each(['8.8.8.8', '93.184.215.14', '100.63.255.255', '100.128.0.1', '2606:4700::1111'])(
    '%s may be called',
    (address) => {
      expect(guard.addressProblem(address)).toBeUndefined();
    },
  );

  it('an allow-listed range wins, also for its IPv4-mapped form', () => {
    const allowing = new OutboundGuard({
      allowedHosts: [],
      allowedCidrs: ['10.0.0.0/8', 'fd00::/8'],
      allowHttp: false,
    });
    expect(allowing.addressProblem('10.9.8.7')).toBeUndefined();
    expect(allowing.addressProblem('::ffff:10.9.8.7')).toBeUndefined();
    expect(allowing.addressProblem('fd12::1')).toBeUndefined();
    expect(allowing.addressProblem('11.0.0.1')).toBeUndefined();
    expect(allowing.addressProblem('192.168.0.1')).toBeDefined();
  });

  it('host allow-list: exact names and *.suffix, nothing else', () => {
    const allowing = new OutboundGuard({
      allowedHosts: ['hooks.internal', '*.corp.example'],
      allowedCidrs: [],
      allowHttp: false,
    });
    expect(allowing.hostAllowed('hooks.internal')).toBe(true);
    expect(allowing.hostAllowed('HOOKS.internal.')).toBe(true);
    expect(allowing.hostAllowed('a.b.corp.example')).toBe(true);
    expect(allowing.hostAllowed('corp.example')).toBe(false);
    expect(allowing.hostAllowed('evilcorp.example')).toBe(false);
    expect(allowing.hostAllowed('hooks.internal.evil')).toBe(false);
  });

  it('a malformed allow-list entry is an error, not a silent no-op', () => {
    expect(
      () =>
        new OutboundGuard({ allowedHosts: [], allowedCidrs: ['10.0.0.0/40'], allowHttp: false }),
    ).toThrow(/CIDR/);
    expect(
      () => new OutboundGuard({ allowedHosts: [], allowedCidrs: ['intranet'], allowHttp: false }),
    ).toThrow(/CIDR/);
  });
});
