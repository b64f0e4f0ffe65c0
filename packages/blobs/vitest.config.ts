import { defineConfig } from "vitest/config"

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts"],
    // The R2 tests start workerd through Miniflare; a cold start can take several seconds on CI,
    // and a D1 test of many round trips takes tens of seconds on a loaded machine.
    testTimeout: 60_000,
    hookTimeout: 30_000,
  },
})
