import { defineConfig } from "vitest/config"

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "src/**/*.test.tsx"],
    environment: "happy-dom",
    testTimeout: 30_000,
    // `vitest run` also type-checks the `*.test-d.tsx` files (row and args inference).
    typecheck: { enabled: true, include: ["src/**/*.test-d.ts", "src/**/*.test-d.tsx"], tsconfig: "./tsconfig.json" },
  },
})
