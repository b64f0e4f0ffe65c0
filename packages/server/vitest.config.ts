import { defineConfig } from "vitest/config"

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts"],
    // D1 runs inside workerd through Miniflare: every statement is a round trip from Node.
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
})
