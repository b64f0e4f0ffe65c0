/** `wrangler deploy --dry-run` bundles the Worker offline (what `pnpm build:worker` runs) and ships no dev-only value. */
import { execFile } from "node:child_process"
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises"
import { tmpdir } from "node:os"
import { dirname, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import { promisify } from "node:util"
import { describe, expect, it } from "vitest"

const exampleDir = resolve(dirname(fileURLToPath(import.meta.url)), "..")

describe("wrangler deploy --dry-run", () => {
  it("builds the Worker bundle", async () => {
    const outdir = await mkdtemp(join(tmpdir(), "todo-worker-build-"))
    try {
      const { stdout } = await promisify(execFile)(join(exampleDir, "node_modules/.bin/wrangler"), ["deploy", "--dry-run", "--outdir", outdir], {
        cwd: exampleDir,
        env: { ...process.env, WRANGLER_SEND_METRICS: "false", FORCE_COLOR: "0" },
      })
      expect(stdout).toContain("--dry-run: exiting now.")
      expect(await readdir(outdir)).toContain("worker.js")
      // A plain deploy ships none of the dev-only values: no tokens (they are secrets), the
      // production grace and window, never the 2 s / 5 s of .dev.vars.
      expect(stdout).not.toMatch(/ADMIN_TOKEN|PLASMA_COORDINATOR_TOKEN|dev-admin-token|dev-coordinator-token/)
      expect(stdout).toMatch(/BLOB_GRACE_MS[^\n]*604800000/)
      expect(stdout).toMatch(/COMPACT_ACTIVE_WITHIN_MS[^\n]*5184000000/)
      expect(await readFile(join(outdir, "worker.js"), "utf8")).not.toContain("dev-coordinator-token")
      // The build step bundled the React page into the static assets.
      expect(stdout).toContain("node scripts/build-app.mjs")
      expect(await readdir(join(exampleDir, "dist-app"))).toEqual(expect.arrayContaining(["index.html", "app.js"]))
    } finally {
      await rm(outdir, { recursive: true, force: true })
    }
  })
})
