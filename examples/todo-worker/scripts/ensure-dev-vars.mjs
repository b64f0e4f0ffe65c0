// Copies .dev.vars.example to .dev.vars when it is missing, so `pnpm dev` works from a fresh
// clone. An existing .dev.vars (your own tokens) is never overwritten.
import { copyFileSync, existsSync } from "node:fs"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"

const dir = join(dirname(fileURLToPath(import.meta.url)), "..")
const target = join(dir, ".dev.vars")
if (!existsSync(target)) {
  copyFileSync(join(dir, ".dev.vars.example"), target)
  console.log("created .dev.vars from .dev.vars.example (dev-only values)")
}
