import { defineConfig } from "vitest/config"

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts"],
    // Starting workerd through Miniflare takes a second or two; 300-statement D1 batches more.
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
})
