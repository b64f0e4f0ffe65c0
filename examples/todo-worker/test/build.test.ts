/** `wrangler deploy --dry-run` bundles the Worker offline (what `pnpm build:worker` runs). */
import { execFile } from "node:child_process"
import { mkdtemp, readdir, rm } from "node:fs/promises"
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
    } finally {
      await rm(outdir, { recursive: true, force: true })
    }
  })
})
