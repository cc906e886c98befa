import { describe, expect, it } from 'vitest';

import { jsonErrorOffset } from './json-error-offset.js';

describe('jsonErrorOffset', () => {
  it.each([
    ['{"a": 1,}', 8],
    ['[1, 2', 5],
    ['{"a" 1}', 5],
    ['{"a": tru}', 6],
    ['"tab\there"', 4],
    ['{"a": "\\x"}', 8],
    ['{} extra', 3],
    ["{'a': 1}", 1],
    ['', 0],
  ])('finds the error in %j at %d', (text, offset) => {
    expect(jsonErrorOffset(text)).toBe(offset);
  });

  it('finds none in valid JSON', () => {
    expect(
      jsonErrorOffset(' {"a": [1, -2.5e3, true, null, "\\u00e9\\n"], "b": {}} '),
    ).toBeUndefined();
  });
});
