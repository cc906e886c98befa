import { describe, expect, it } from 'vitest';

import { FlowgateError } from '../shared/errors.js';
import { loadConfig, loadSetting } from './load-config.js';
import { SETTINGS } from './settings.js';

describe('loadConfig', () => {
  it('takes the defaults when nothing is given', () => {
    expect(loadConfig()).toEqual({
      db: 'sqlite:data/flowgate.db',
      host: '127.0.0.1',
      port: 3000,
      concurrency: 50,
      jwtSecret: undefined,
      adminPassword: undefined,
      logLevel: 'warn',
      trustProxy: false,
      smtpUrl: undefined,
      mailFrom: undefined,
      publicUrl: undefined,
      mailAttachmentsDir: undefined,
      retention: undefined,
      mailAttachmentsMaxBytes: 10 * 1024 * 1024,
      outboundAllowedHosts: [],
      outboundAllowedCidrs: [],
      allowHttpWebhooks: false,
    });
  });

  it('prefers a flag to the environment, and the environment to the default', () => {
    const env = { FLOWGATE_DB: 'sqlite:env.db', PORT: '8080', FLOWGATE_CONCURRENCY: '7' };
    const config = loadConfig({ flags: { db: 'sqlite:flag.db', port: undefined }, env });
    expect(config).toMatchObject({ db: 'sqlite:flag.db', port: 8080, concurrency: 7 });
  });

  it('treats empty values as not given', () => {
    expect(loadConfig({ flags: { db: '' }, env: { FLOWGATE_DB: ' ', PORT: '' } })).toMatchObject({
      db: 'sqlite:data/flowgate.db',
      port: 3000,
    });
  });

  it('reads yes and no the ways people write them', () => {
    for (const yes of ['true', '1', 'yes'])
      expect(loadConfig({ env: { FLOWGATE_TRUST_PROXY: yes } }).trustProxy).toBe(true);
    for (const no of ['false', '0', 'no'])
      expect(loadConfig({ env: { FLOWGATE_TRUST_PROXY: no } }).trustProxy).toBe(false);
  });

  it('returns a frozen object', () => {
    const config = loadConfig();
    expect(Object.isFrozen(config)).toBe(true);
    expect(() => {
      (config as { port: number }).port = 1;
    }).toThrow(TypeError);
  });

  it('lists every problem at once, naming where each came from, never echoing a secret', () => {
    let error: unknown;
    try {
      loadConfig({
        flags: { port: '70000' },
        env: {
          FLOWGATE_DB: 'mysql://x',
          FLOWGATE_JWT_SECRET: 'short-secret',
          FLOWGATE_LOG_LEVEL: 'loud',
          FLOWGATE_CONCURRENCY: '1.5',
        },
      });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(FlowgateError);
    const { code, details } = error as FlowgateError;
    expect(code).toBe('CONFIG_INVALID');
    const problems = (details as { problems: string[] }).problems;
    expect(problems).toHaveLength(5);
    expect(problems).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^FLOWGATE_DB: Unsupported database URL "mysql:\/\/x"/),
        expect.stringMatching(/^--port: must be 65535 or less \(got "70000"\)$/),
        expect.stringMatching(/^FLOWGATE_CONCURRENCY: must be a whole number/),
        expect.stringMatching(/^FLOWGATE_LOG_LEVEL: .* \(got "loud"\)$/),
        'FLOWGATE_JWT_SECRET: must have at least 32 characters',
      ]),
    );
    expect(JSON.stringify(problems)).not.toContain('short-secret');
  });
});

describe('loadSetting', () => {
  it('checks only the setting asked for', () => {
    const env = { FLOWGATE_DB: 'sqlite:x.db', FLOWGATE_LOG_LEVEL: 'loud' };
    expect(loadSetting('db', { env })).toBe('sqlite:x.db');
    expect(() => loadSetting('port', { env: { PORT: 'http' } })).toThrow(
      /^Invalid configuration: PORT:/,
    );
  });
});

describe('SETTINGS', () => {
  it('gives every setting its own environment variable', () => {
    const names = Object.values(SETTINGS).map((setting) => setting.env);
    expect(new Set(names).size).toBe(names.length);
  });
});
