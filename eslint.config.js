// Lint, with the layering of DESIGN.md enforced as import rules.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const nodeBuiltins = ['node:*', 'fs', 'path', 'os', 'crypto', 'http', 'https', 'worker_threads', 'child_process', 'url', 'module', 'stream', 'net', 'zlib'];

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'node_modules/**', 'test-results/**', 'playwright-report/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['src-shared/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['**/src-main/**', '**/src-renderer/**', '../src-main/*', '../src-renderer/*'], message: 'src-shared imports nothing from the other trees.' },
            { group: ['electron', 'react', ...nodeBuiltins], message: 'src-shared is pure TypeScript: no node, electron or DOM frameworks.' },
          ],
        },
      ],
    },
  },
  {
    files: ['src-renderer/**/*.{ts,tsx}'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['**/src-main/**', '../src-main/*', '../../src-main/*'], message: 'The renderer talks to the engine only through the contract in src-shared.' },
            { group: ['electron', ...nodeBuiltins], message: 'The renderer never imports electron or node modules.' },
          ],
        },
      ],
    },
  },
  {
    files: ['src-main/engine/**/*.ts', 'src-main/server/**/*.ts', 'src-main/cli/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: [{ name: 'electron', message: 'The engine, server and CLI run outside Electron: only src-main/electron/ may import it.' }],
          patterns: [{ group: ['**/src-renderer/**'], message: 'Main-side code never imports the renderer.' }],
        },
      ],
    },
  },
  {
    files: ['scripts/**/*.{js,mjs,ts}', 'e2e/**/*.ts', '*.config.{js,ts}'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
  },
);
