import { defineConfig } from "vitest/config"

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts"],
    // `vitest run` also type-checks the `*.test-d.ts` files (the app's Ctx through the handler).
    typecheck: { enabled: true, include: ["src/**/*.test-d.ts"], tsconfig: "./tsconfig.json" },
    // D1 runs inside workerd through Miniflare: every statement is a round trip from Node.
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
})
