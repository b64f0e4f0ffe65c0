/**
 * Debian's Chromium for the example's browser test and the e2e-tab-latency bench, driven through
 * playwright-core (never `playwright install`: its download is unreachable on the project's
 * machines).
 */
import { execFileSync } from "node:child_process"
import { existsSync } from "node:fs"

/** `CHROMIUM_PATH`, else `chromium` / `chromium-browser` on PATH, else undefined. */
export function findChromium(): string | undefined {
  const fromEnv = process.env["CHROMIUM_PATH"]
  if (fromEnv !== undefined && fromEnv !== "" && existsSync(fromEnv)) return fromEnv
  try {
    const found = execFileSync("sh", ["-c", "command -v chromium || command -v chromium-browser"], { encoding: "utf8" }).trim()
    return found === "" ? undefined : found
  } catch {
    return undefined
  }
}

/** The launch arguments ENVIRONMENT.md verified for Debian's Chromium in a container. */
export const CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
