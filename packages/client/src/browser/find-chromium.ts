/**
 * Finds Debian's Chromium for the browser tests and launches it through playwright-core (never
 * `playwright install`: its download is unreachable on the project's machines). The tests skip
 * with a message when no binary exists, unless `CI` is set: CI installs Chromium, so a missing
 * binary there is a failure, not a skip.
 */
import { execFileSync } from "node:child_process"
import { existsSync } from "node:fs"
import { chromium, type Browser } from "playwright-core"

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

/** True when the environment says CI (then the browser tests must run). */
export const inCi = ((): boolean => {
  const value = process.env["CI"]
  return value !== undefined && value !== "" && value !== "false"
})()

/** The launch arguments ENVIRONMENT.md verified for Debian's Chromium in a container. */
export const CHROMIUM_ARGS: readonly string[] = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
  "--disable-quic",
]

/** Launches Chromium at `executablePath` with {@link CHROMIUM_ARGS}. */
export function launchChromium(executablePath: string): Promise<Browser> {
  return chromium.launch({ executablePath, args: [...CHROMIUM_ARGS] })
}
