import { describe, expect, it } from 'vitest';

import { ERROR_CATALOG } from '../../src/shared/errors.js';

/** docs/errors.md is generated from the catalog; refresh with `npx vitest run test/docs -u`. */
describe('docs/errors.md', () => {
  it('lists every error code with its status', async () => {
    const rows = Object.entries(ERROR_CATALOG).map(
      ([code, { status, message }]) => `| \`${code}\` | ${status} | ${message} |`,
    );
    const text = [
      '# Errors',
      '',
      'Every error Flowgate reports has a stable code; over HTTP it comes as',
      '`{"error": {"code", "message", "details?"}}` with this status. Match on the code, never on the message.',
      '',
      '<!-- Generated from src/shared/errors.ts by test/docs/errors-doc.test.ts: refresh with `npx vitest run test/docs -u`. -->',
      '',
      '| code | status | meaning |',
      '| --- | --- | --- |',
      ...rows,
      '',
    ].join('\n');
    await expect(text).toMatchFileSnapshot('../../docs/errors.md');
  });
});
