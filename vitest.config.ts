import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { defineConfig } from 'vitest/config';

// Local weights files that tests load go to a temp store, never the user's cache.
process.env.PYRAMIDSCOPE_WEIGHTS_DIR ??= mkdtempSync(path.join(os.tmpdir(), 'pyramidscope-test-local-weights-'));

// Two projects: engine/shared code under node, renderer logic under jsdom.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'node',
          environment: 'node',
          include: ['src-main/**/*.test.ts', 'src-shared/**/*.test.ts', 'scripts/**/*.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          pool: 'forks',
        },
      },
      {
        test: {
          name: 'renderer',
          environment: 'jsdom',
          include: ['src-renderer/**/*.test.ts', 'src-renderer/**/*.test.tsx'],
        },
      },
    ],
  },
});
