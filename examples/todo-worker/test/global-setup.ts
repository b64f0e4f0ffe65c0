/**
 * Starts ONE real `wrangler dev` for the e2e suite: a free loopback port, a fresh persistence
 * directory, no metrics. Ready means `GET /` answers 200 (deadline 90 s). It is stopped by its pid
 * in teardown (SIGTERM, then SIGKILL for its whole process group after 5 s) and, should vitest
 * die before teardown runs, by a process 'exit' hook.
 *
 * `.dev.vars` is created from `.dev.vars.example` when missing (what `pnpm dev` does too).
 *
 * `TODO_WORKER_URL=http://127.0.0.1:8787` runs the suite against an already running `pnpm dev`
 * instead (its log is then not checked).
 */
import { spawn, type ChildProcess } from "node:child_process"
import { copyFileSync, createWriteStream, existsSync } from "node:fs"
import { mkdir, mkdtemp, readFile, rm } from "node:fs/promises"
import { createServer } from "node:net"
import { tmpdir } from "node:os"
import { dirname, join, resolve } from "node:path"
import { fileURLToPath } from "node:url"
import type { TestProject } from "vitest/node"

declare module "vitest" {
  export interface ProvidedContext {
    baseUrl: string
    wranglerLog: string
  }
}

const exampleDir = resolve(dirname(fileURLToPath(import.meta.url)), "..")
export const resultsDir = resolve(exampleDir, "../../test-results/todo-worker")

async function freePort(): Promise<number> {
  const server = createServer()
  await new Promise<void>((done, fail) => server.once("error", fail).listen(0, "127.0.0.1", done))
  const address = server.address()
  await new Promise((done) => server.close(done))
  if (address === null || typeof address === "string") throw new Error("no port")
  return address.port
}

const running = (child: ChildProcess): boolean => child.exitCode === null && child.signalCode === null

async function stop(child: ChildProcess): Promise<void> {
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

async function waitUntilReady(baseUrl: string, child: ChildProcess, log: string): Promise<void> {
  const deadline = Date.now() + 90_000
  while (Date.now() < deadline) {
    if (!running(child)) throw new Error(`wrangler dev exited early (code ${child.exitCode}):\n${await tail(log)}`)
    try {
      const response = await fetch(baseUrl + "/", { signal: AbortSignal.timeout(2_000) })
      if (response.status === 200) return
    } catch {
      // not listening yet
    }
    await new Promise((done) => setTimeout(done, 250))
  }
  throw new Error(`wrangler dev did not answer within 90 s:\n${await tail(log)}`)
}

async function tail(file: string): Promise<string> {
  return (await readFile(file, "utf8").catch(() => "")).split("\n").slice(-40).join("\n")
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const external = process.env["TODO_WORKER_URL"]
  if (external !== undefined && external !== "") {
    project.provide("baseUrl", external.replace(/\/+$/, ""))
    project.provide("wranglerLog", "")
    return async () => {}
  }
  // The dev tokens and short windows live in .dev.vars (git-ignored); a fresh clone has only the example.
  if (!existsSync(join(exampleDir, ".dev.vars"))) copyFileSync(join(exampleDir, ".dev.vars.example"), join(exampleDir, ".dev.vars"))
  const [port, inspectorPort] = [await freePort(), await freePort()]
  const persistTo = await mkdtemp(join(tmpdir(), "todo-worker-e2e-"))
  await mkdir(resultsDir, { recursive: true })
  const log = join(resultsDir, "wrangler.log")
  const out = createWriteStream(log)
  const child = spawn(
    join(exampleDir, "node_modules/.bin/wrangler"),
    ["dev", "--ip", "127.0.0.1", "--port", String(port), "--inspector-port", String(inspectorPort), "--show-interactive-dev-session=false", "--persist-to", persistTo],
    { cwd: exampleDir, env: { ...process.env, WRANGLER_SEND_METRICS: "false", FORCE_COLOR: "0" }, stdio: ["ignore", "pipe", "pipe"], detached: true },
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
  try {
    await waitUntilReady(baseUrl, child, log)
  } catch (error) {
    await stop(child)
    throw error
  }
  project.provide("baseUrl", baseUrl)
  project.provide("wranglerLog", log)

  return async () => {
    await stop(child)
    process.removeListener("exit", onExit)
    out.end()
    await rm(persistTo, { recursive: true, force: true })
  }
}
