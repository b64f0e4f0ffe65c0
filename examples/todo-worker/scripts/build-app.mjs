// Bundles the page (src/app/main.tsx, React + @plasma/client + @plasma/react + the Worker's own
// schema and mutators) into dist-app/, the Workers Static Assets directory. wrangler runs this as
// its `build.command` before `wrangler dev` and `wrangler deploy`, so `pnpm dev` stays one command.
//
// The files are built into a scratch folder and renamed into place, so a `wrangler dev` serving
// dist-app/ while another build runs (the deploy dry-run test) never sees a missing or half-written
// file; a file whose bytes did not change is left alone, so that `wrangler dev` does not reload
// its assets (and restart the Worker mid-request) for nothing.
import { build } from "esbuild"
import { copyFile, mkdir, mkdtemp, readdir, readFile, rename, rm } from "node:fs/promises"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"

const dir = join(dirname(fileURLToPath(import.meta.url)), "..")
const out = join(dir, "dist-app")
await mkdir(out, { recursive: true })
const scratch = await mkdtemp(join(dir, ".dist-app-"))
try {
  await build({
    entryPoints: [join(dir, "src/app/main.tsx")],
    outfile: join(scratch, "app.js"),
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    jsx: "automatic",
    minify: true,
    sourcemap: true,
    define: { "process.env.NODE_ENV": '"production"' },
    logLevel: "warning",
  })
  await copyFile(join(dir, "src/app/index.html"), join(scratch, "index.html"))
  for (const file of await readdir(scratch)) {
    const [fresh, current] = await Promise.all([readFile(join(scratch, file)), readFile(join(out, file)).catch(() => null)])
    if (current === null || !fresh.equals(current)) await rename(join(scratch, file), join(out, file))
  }
} finally {
  await rm(scratch, { recursive: true, force: true })
}
