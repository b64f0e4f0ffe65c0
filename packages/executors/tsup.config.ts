import { defineConfig } from "tsup"

export default defineConfig({
  entry: ["src/index.ts", "src/better-sqlite3.ts", "src/d1.ts", "src/postgres.ts", "src/testing.ts"],
  format: ["esm"],
  dts: true,
  clean: true,
  sourcemap: true,
  target: "es2022",
  // Test-only and optional peers: never bundle them (vitest is a root devDependency, so tsup
  // would otherwise inline it into the testing entry).
  external: ["vitest", "miniflare", "better-sqlite3", "pg", "@cloudflare/workers-types"],
})
