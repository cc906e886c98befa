// @ts-check
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

import js from '@eslint/js';
import importX from 'eslint-plugin-import-x';
import tseslint from 'typescript-eslint';

const drivers = ['kysely', 'pg', 'better-sqlite3', 'fastify', 'commander', 'react'];
const banDrivers = {
  'no-restricted-imports': [
    'error',
    {
      paths: drivers.map((name) => ({ name, message: 'Only src/store may talk to the database.' })),
    },
  ],
};

// The shells (http, cli) reach every inner layer through src/app, which wires them (DESIGN.md, Layers). Read from
// src/ so that a new inner folder is covered the day it appears.
const shellMayImport = new Set(['app', 'config', 'shared', 'contracts', 'http', 'cli']);
const innerLayers = readdirSync(join(import.meta.dirname, 'src'), { withFileTypes: true })
  .filter((entry) => entry.isDirectory() && !shellMayImport.has(entry.name))
  .map((entry) => entry.name);

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
  // The layers of DESIGN.md, enforced: only the store knows SQL and drivers.
  {
    files: ['src/engine/**', 'src/hitl/**', 'src/definition/**', 'src/notify/**', 'src/shared/**'],
    rules: banDrivers,
  },
  {
    files: ['src/http/**', 'src/cli/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: innerLayers.map((layer) => `**/${layer}/*`),
              message: 'http/ and cli/ reach the inner layers through src/app (DESIGN.md, Layers).',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['src/shared/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ group: ['../*'], message: 'shared/ imports nothing of ours.' }] },
      ],
    },
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
