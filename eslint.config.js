// @ts-check
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

import js from '@eslint/js';
import importX from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';

// The layers of DESIGN.md, enforced, for every folder of src/ (read here, so a new one is covered the day it appears):
// only the store talks to the database; only the shells (http, cli) use their frameworks, and they reach the inner
// layers through src/app, which wires them.
const folders = readdirSync(join(import.meta.dirname, 'src'), { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name);
const shells = ['http', 'cli'];
const shellMayImport = new Set(['app', 'config', 'shared', 'contracts', ...shells]);
const innerLayers = folders.filter((folder) => !shellMayImport.has(folder));

const banned = (names, message) => names.map((name) => ({ name, message }));
const databaseDrivers = banned(
  ['kysely', 'pg', 'better-sqlite3'],
  'Only src/store may talk to the database.',
);
const shellFrameworks = banned(
  ['fastify', 'commander', 'react'],
  'Only the shells (src/http, src/cli) use their frameworks.',
);

/** The rule for one folder of src/. */
function layerRule(folder) {
  const isShell = shells.includes(folder);
  const paths = [
    ...(folder === 'store' ? [] : databaseDrivers),
    ...(isShell ? [] : shellFrameworks),
  ];
  const patterns = [
    ...(isShell
      ? [
          {
            group: innerLayers.map((layer) => `**/${layer}/*`),
            message: 'http/ and cli/ reach the inner layers through src/app (DESIGN.md, Layers).',
          },
        ]
      : []),
    ...(folder === 'shared'
      ? [{ group: ['../*'], message: 'shared/ imports nothing of ours.' }]
      : []),
  ];
  return {
    files: [`src/${folder}/**`],
    rules: { 'no-restricted-imports': ['error', { paths, patterns }] },
  };
}

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'bench/results/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { 'import-x': importX },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_' },
      ],
      'import-x/no-cycle': 'error',
    },
  },
  ...folders.map(layerRule),
  {
    // The UI talks HTTP only (STYLE.md §4.2 rule 1): of the server's code it may import the contracts, nothing else.
    files: ['web/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['**/src/*', '!**/src/contracts', '!**/src/contracts/*'],
              message: 'web/ imports src/contracts only (DESIGN.md, Web UI).',
            },
          ],
        },
      ],
    },
  },
  {
    // Its one import is a package (no cycle possible), which the rule's resolver cannot load from this folder.
    files: ['web/vite.config.ts'],
    rules: { 'import-x/no-cycle': 'off' },
  },
  {
    files: ['**/*.js', '**/*.mjs'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    files: ['test/**', 'bench/**', '**/*.test.ts'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
    },
  },
);
