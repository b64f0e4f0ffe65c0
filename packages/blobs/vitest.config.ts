import { defineConfig } from "vitest/config"

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts"],
    // The R2 tests start workerd through Miniflare; a cold start can take several seconds on CI.
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
})
