import { defineConfig } from "vitest/config"

// One real `wrangler dev` serves every test file (test/global-setup.ts); files run one after the
// other because compaction and blob GC are global to the database.
export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/global-setup.ts"],
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
})
