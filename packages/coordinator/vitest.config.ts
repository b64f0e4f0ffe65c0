import { defineConfig } from "vitest/config"

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts"],
    // Each integration file starts its own workerd; the hibernation test waits out the 10 s eviction.
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
})
