import { describe, expect, it } from 'vitest';

import { SETTINGS } from '../../src/config/index.js';

/** docs/configuration.md is generated from the settings table; refresh with `npx vitest run test/docs -u`. */
describe('docs/configuration.md', () => {
  it('lists every setting with its flag, variable and default', async () => {
    const rows = Object.values(SETTINGS).map((setting) => {
      const flag = 'flag' in setting ? `\`${setting.flag}\`` : '';
      const fallback = 'default' in setting ? `\`${String(setting.default)}\`` : '';
      return `| \`${setting.env}\` | ${flag} | ${fallback} | ${setting.description} |`;
    });
    const text = [
      '# Configuration',
      '',
      '`flowgate serve` and `flowgate worker` take their settings from flags, else environment variables, else',
      'these defaults. All are checked at start, and every mistake is reported at once.',
      '',
      '<!-- Generated from src/config/settings.ts by test/docs/configuration-doc.test.ts: refresh with `npx vitest run test/docs -u`. -->',
      '',
      '| variable | flag | default | meaning |',
      '| --- | --- | --- | --- |',
      ...rows,
      '',
    ].join('\n');
    await expect(text).toMatchFileSnapshot('../../docs/configuration.md');
  });
});
