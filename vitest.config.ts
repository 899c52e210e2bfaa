import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Vitest's default of 5 s is too tight for the property tests on a loaded 2-core CI machine.
    testTimeout: 30_000,
  },
});
