/**
 * Starts a real `wrangler dev` for the example (the e2e suite and the e2e-tab-latency bench): a
 * free loopback port, a fresh persistence directory, no metrics, `.dev.vars` from the example
 * file when missing, `--test-scheduled` (see helpers.ts `runCron`). Ready means `GET /` answers 200
 * and wrangler's start-up rebuild is over (deadline 90 s). `stop()` ends it by its pid
 * (SIGTERM, then SIGKILL for its whole process group after 5 s); a process 'exit' hook does the
 * same should the caller die first.
 */
import { spawn, type ChildProcess } from "node:child_process"
import { copyFileSync, createWriteStream, existsSync } from "node:fs"
import { mkdtemp, readFile, rm } from "node:fs/promises"
import { createServer } from "node:net"
import { tmpdir } from "node:os"
import { dirname, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"

/** The example's folder. */
export const exampleDir = resolve(dirname(fileURLToPath(import.meta.url)), "..")

/** A running `wrangler dev`. */
export interface WranglerDev {
  readonly baseUrl: string
  readonly log: string
  stop(): Promise<void>
}

async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((done, fail) => server.once("error", fail).listen(0, "127.0.0.1", done))
  const address = server.address()
  await new Promise((done) => server.close(done))
  if (address === null || typeof address === "string") throw new Error("no port")
  return address.port
}

const running = (child: ChildProcess): boolean => child.exitCode === null && child.signalCode === null

async function stopChild(child: ChildProcess): Promise<void> {
  if (!running(child) || child.pid === undefined) return
  const pid = child.pid
  const exited = new Promise((done) => child.once("exit", done))
  process.kill(pid, "SIGTERM") // wrangler ends its workerd child itself
  const kill = setTimeout(() => {
    try {
      process.kill(-pid, "SIGKILL") // the group: wrangler and workerd
    } catch {
      // already gone
    }
  }, 5_000)
  await exited
  clearTimeout(kill)
}

async function tail(file: string): Promise<string> {
  return (await readFile(file, "utf8").catch(() => "")).split("\n").slice(-40).join("\n")
}

/**
 * wrangler's file watcher reports "The file src changed, restarting build..." once just after
 * start (the custom build's watch_dir) and restarts the Worker; a request in flight then fails
 * with "Your worker restarted mid-request". So ready means: `GET /` answers 200, and no restart
 * was announced after the last "Ready on" for a settle period.
 */
function settled(text: string): boolean {
  const restart = text.lastIndexOf("restarting build")
  return restart < 0 || text.lastIndexOf("Ready on") > restart
}

async function waitUntilReady(baseUrl: string, child: ChildProcess, log: string): Promise<void> {
  const deadline = Date.now() + 90_000
  let stableSince: number | null = null
  while (Date.now() < deadline) {
    if (!running(child)) throw new Error(`wrangler dev exited early (code ${child.exitCode}):\n${await tail(log)}`)
    let ok = false
    try {
      const response = await fetch(baseUrl + "/", { signal: AbortSignal.timeout(2_000) })
      ok = response.status === 200
    } catch {
      // not listening yet
    }
    if (ok && settled(await readFile(log, "utf8").catch(() => ""))) {
      stableSince ??= Date.now()
      if (Date.now() - stableSince >= 2_000) return
    } else {
      stableSince = null
    }
    await new Promise((done) => setTimeout(done, 250))
  }
  throw new Error(`wrangler dev did not answer within 90 s:\n${await tail(log)}`)
}

/** Options for {@link startWranglerDev}. */
export interface WranglerDevOptions {
  /** Extra arguments, e.g. `["--env", "postgres"]`. */
  readonly args?: readonly string[]
  /** Extra environment variables for wrangler (e.g. a Hyperdrive local connection string). */
  readonly env?: Readonly<Record<string, string>>
}

/** Starts `wrangler dev`, writing its output to `log`. */
export async function startWranglerDev(log: string, options: WranglerDevOptions = {}): Promise<WranglerDev> {
  // The dev tokens and short windows live in .dev.vars (git-ignored); a fresh clone has only the example.
  if (!existsSync(join(exampleDir, ".dev.vars"))) copyFileSync(join(exampleDir, ".dev.vars.example"), join(exampleDir, ".dev.vars"))
  const [port, inspectorPort] = [await freePort(), await freePort()]
  const persistTo = await mkdtemp(join(tmpdir(), "todo-worker-e2e-"))
  const out = createWriteStream(log)
  const child = spawn(
    join(exampleDir, "node_modules/.bin/wrangler"),
    ["dev", "--test-scheduled", "--ip", "127.0.0.1", "--port", String(port), "--inspector-port", String(inspectorPort), "--show-interactive-dev-session=false", "--persist-to", persistTo, ...(options.args ?? [])],
    { cwd: exampleDir, env: { ...process.env, ...options.env, WRANGLER_SEND_METRICS: "false", FORCE_COLOR: "0" }, stdio: ["ignore", "pipe", "pipe"], detached: true },
  )
  child.stdout?.pipe(out)
  child.stderr?.pipe(out)
  const onExit = (): void => {
    if (running(child) && child.pid !== undefined) {
      try {
        process.kill(-child.pid, "SIGTERM")
      } catch {
        // already gone
      }
    }
  }
  process.once("exit", onExit)
  const baseUrl = `http://127.0.0.1:${port}`
  const stop = async (): Promise<void> => {
    await stopChild(child)
    process.removeListener("exit", onExit)
    out.end()
    await rm(persistTo, { recursive: true, force: true })
  }
  try {
    await waitUntilReady(baseUrl, child, log)
  } catch (error) {
    await stop()
    throw error
  }
  return { baseUrl, log, stop }
}
