import { describe, expect, it } from 'vitest';

import type { DagDefinition } from '../definition/index.js';
import { decodeLetters, decodeStatuses, encodeLetters } from './snapshot-state.js';

describe('snapshot status letters', () => {
  it('are stored run-length encoded, and read back', () => {
    expect(encodeLetters([...'cccccrrp'])).toBe('c5r2p');
    expect(encodeLetters([...'ccp'])).toBe('c2p');
    expect(encodeLetters([...'cpc'])).toBe('cpc');
    expect(encodeLetters([])).toBe('');
    const wide = [...'c'.repeat(57), ...'r'.repeat(43), 'p'];
    expect(encodeLetters(wide)).toBe('c57r43p');
    for (const letters of ['cccccrrp', 'ccp', 'cpc', '', wide.join(''), 'wxsfcrp']) {
      expect(decodeLetters(encodeLetters([...letters]))).toBe(letters);
    }
    // Plain letters (no counts) read as they are.
    expect(decodeLetters('ccrp')).toBe('ccrp');
  });

  it('map to statuses in definition order; nodes past the letters are pending', () => {
    const dag = { nodes: ['a', 'b', 'c', 'd'].map((id) => ({ id })) } as unknown as DagDefinition;
    expect(Object.fromEntries(decodeStatuses(dag, 'c2w'))).toEqual({
      a: 'completed',
      b: 'completed',
      c: 'waiting_hitl',
      d: 'pending',
    });
  });
});
