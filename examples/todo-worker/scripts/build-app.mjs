// Bundles the page (src/app/main.tsx, React + @plasma/client + @plasma/react + the Worker's own
// schema and mutators) into dist-app/, the Workers Static Assets directory. wrangler runs this as
// its `build.command` before `wrangler dev` and `wrangler deploy`, so `pnpm dev` stays one command.
import { build } from "esbuild"
import { copyFile, mkdir, rm } from "node:fs/promises"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"

const dir = join(dirname(fileURLToPath(import.meta.url)), "..")
const out = join(dir, "dist-app")
await rm(out, { recursive: true, force: true })
await mkdir(out, { recursive: true })
await build({
  entryPoints: [join(dir, "src/app/main.tsx")],
  outfile: join(out, "app.js"),
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
await copyFile(join(dir, "src/app/index.html"), join(out, "index.html"))
