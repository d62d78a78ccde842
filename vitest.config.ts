import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    globalSetup: ['test/support/global-setup.ts'],
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Each test file starts from a migrated snapshot of its own; logs stay quiet unless asked for.
    env: { LOG_LEVEL: process.env.LOG_LEVEL ?? 'silent' },
  },
});
