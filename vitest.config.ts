import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30000,
    hookTimeout: 30000,
    // Servers bind ports and redis-server processes use CPU: keep parallelism modest.
    maxWorkers: 2,
    minWorkers: 1,
  },
});
