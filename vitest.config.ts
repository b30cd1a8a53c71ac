import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // GP fits and CDK synthesis are CPU-bound; keep them off the default 5 s limit.
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
  },
});
