import { defineConfig } from 'vitest/config';

// Tests run from source: the `source` export condition points every workspace
// package at its src/index.ts, so no build is needed before vitest.
export default defineConfig({
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'] } },
  test: {
    include: ['**/src/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**'],
    testTimeout: 60_000,
  },
});
