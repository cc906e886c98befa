import { describe, expect, it } from 'vitest';

import { loadSetting } from '../config/load-config.js';
import { parseDag } from './parse-dag.js';
import { readRetention } from './read-retention.js';

const dag = (retention: unknown) => ({
  dag_id: 'kept',
  settings: { retention },
  nodes: [{ node_id: 'a', node_type: 'tool', tool_name: 'noop', dependencies: [] }],
});

describe('retention', () => {
  it('reads the cleanup spelling, ISO 8601 and milliseconds', () => {
    expect(readRetention('30d')).toEqual({ ms: 30 * 86_400_000 });
    expect(readRetention('12h')).toEqual({ ms: 12 * 3_600_000 });
    expect(readRetention('P2W')).toEqual({ ms: 14 * 86_400_000 });
    expect(readRetention(60_000)).toEqual({ ms: 60_000 });
  });

  it('refuses zero, nonsense and negatives', () => {
    for (const value of ['0d', 'PT0S', '30', 'soon', '30 days', -1, true]) {
      expect(readRetention(value)).toHaveProperty('problem');
    }
  });

  it('is a DAG setting, stored in milliseconds, with a problem at its path when malformed', () => {
    const ok = parseDag(dag('7d'));
    expect(ok.ok && ok.dag.settings.retentionMs).toBe(7 * 86_400_000);
    const bad = parseDag(dag('a week'));
    expect(bad.ok).toBe(false);
    if (!bad.ok) {
      expect(bad.problems).toContainEqual(
        expect.objectContaining({ code: 'invalid_config', path: 'settings.retention' }),
      );
    }
  });

  it('is FLOWGATE_RETENTION: off by default, a duration, or a clear error', () => {
    expect(loadSetting('retention', { env: {} })).toBeUndefined();
    expect(loadSetting('retention', { env: { FLOWGATE_RETENTION: 'off' } })).toBeUndefined();
    expect(loadSetting('retention', { env: { FLOWGATE_RETENTION: '30d' } })).toBe(30 * 86_400_000);
    expect(() => loadSetting('retention', { env: { FLOWGATE_RETENTION: '30' } })).toThrow(
      /FLOWGATE_RETENTION: "30" needs a unit/,
    );
    expect(() => loadSetting('retention', { env: { FLOWGATE_RETENTION: 'month' } })).toThrow(
      /FLOWGATE_RETENTION: expected 30d/,
    );
  });
});
