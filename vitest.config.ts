import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Tests start real worker threads and servers: keep two files at a time on two cores.
    maxWorkers: 2,
    // Says once when the browser tests skip (no Chromium).
    globalSetup: ['test/ui-global-setup.ts'],
  },
});
