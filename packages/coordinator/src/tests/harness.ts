/**
 * @module Test harness: bundles `tests/worker.ts` with esbuild and runs it in real workerd through
 * Miniflare, then speaks to it over real WebSockets (the `ws` package) from Node.
 */
import { fileURLToPath } from "node:url"
import { build } from "esbuild"
import { Miniflare } from "miniflare"
import { WebSocket } from "ws"
import { applyPresenceDiff } from "../presence-diff.js"
import type { PresenceEntry } from "../protocol.js"

/** The coordinator secret the test Worker is configured with. */
export const TEST_TOKEN = "test-token-0123456789abcdef"
/** The `POKE_TOKEN` secret of the test Worker (checked by `PokeTokenCoordinator` only). */
export const TEST_POKE_TOKEN = "poke-token-fedcba9876543210"

/** A running test Worker. */
export interface Harness {
  readonly mf: Miniflare
  /** Base http URL of the Worker, e.g. `http://127.0.0.1:41234`. */
  readonly url: URL
  /** ws URL to join `room` as `clientID` (token defaults to the right one; path to `/sync/coordinator`). */
  joinUrl(room: string, clientID: string, token?: string, path?: string): string
  dispose(): Promise<void>
}

/** Bundles the test Worker; shared by the tests and the benchmark. */
export async function bundleTestWorker(): Promise<string> {
  const result = await build({
    entryPoints: [fileURLToPath(new URL("./worker.ts", import.meta.url))],
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    write: false,
    external: ["cloudflare:*"],
    logLevel: "silent",
  })
  const output = result.outputFiles[0]
  if (output === undefined) throw new Error("esbuild produced no output for the test worker")
  return output.text
}

/** Starts the test Worker on a free port. */
export async function startHarness(): Promise<Harness> {
  const script = await bundleTestWorker()
  const mf = new Miniflare({
    modules: true,
    script,
    compatibilityDate: "2026-04-20",
    durableObjects: {
      COORDINATOR: { className: "SyncCoordinator", useSQLite: true },
      LIMITED: { className: "LimitedCoordinator", useSQLite: true },
      CUSTOM: { className: "PokeTokenCoordinator", useSQLite: true },
    },
    bindings: { PLASMA_COORDINATOR_TOKEN: TEST_TOKEN, POKE_TOKEN: TEST_POKE_TOKEN },
    host: "127.0.0.1",
    port: 0,
    cf: false,
  })
  const url = await mf.ready
  return {
    mf,
    url,
    joinUrl(room, clientID, token = TEST_TOKEN, path = "/sync/coordinator") {
      const join = new URL(path, url)
      join.protocol = "ws:"
      join.searchParams.set("room", room)
      join.searchParams.set("clientID", clientID)
      join.searchParams.set("token", token)
      return join.toString()
    },
    dispose: () => mf.dispose(),
  }
}

/** A parsed frame as the tests look at it. */
export type Frame = { readonly type: string } & Record<string, unknown>

/** A `ws` socket that records every frame and lets a test wait for one. */
export class TestSocket {
  readonly ws: WebSocket
  readonly frames: Frame[] = []
  readonly raw: string[] = []
  /** The room after each presence frame (snapshot or diff applied), as JSON, oldest first. */
  readonly presenceStates: string[] = []
  #presence: PresenceEntry[] | undefined
  #waiters: Array<() => void> = []

  private constructor(ws: WebSocket) {
    this.ws = ws
    ws.on("message", (data) => {
      const text = String(data)
      this.raw.push(text)
      let frame: Frame | undefined
      try {
        frame = JSON.parse(text) as Frame
      } catch {
        // Non-JSON frames (the heartbeat pong) stay in `raw` only.
      }
      if (frame !== undefined) {
        this.frames.push(frame)
        this.#trackPresence(frame)
      }
      for (const wake of this.#waiters.splice(0)) wake()
    })
  }

  /** Opens a socket and resolves once it is open. */
  static open(url: string): Promise<TestSocket> {
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url)
      const socket = new TestSocket(ws)
      ws.once("open", () => resolve(socket))
      ws.once("error", reject)
      ws.once("unexpected-response", (_req, res) => reject(new Error(`unexpected response ${res.statusCode}`)))
    })
  }

  #trackPresence(frame: Frame): void {
    if (frame.type === "presence") this.#presence = frame["entries"] as PresenceEntry[]
    else if (frame.type === "presence-diff") {
      // A diff before any snapshot breaks the protocol: record it where every presence wait looks.
      if (this.#presence === undefined) {
        this.presenceStates.push("diff-before-snapshot")
        return
      }
      this.#presence = applyPresenceDiff(this.#presence, frame as unknown as { updated: PresenceEntry[]; left: string[] })
    } else return
    this.presenceStates.push(JSON.stringify(this.#presence))
  }

  send(value: unknown): void {
    this.ws.send(typeof value === "string" ? value : JSON.stringify(value))
  }

  /** Frames of one type seen so far. */
  ofType(type: string): Frame[] {
    return this.frames.filter((frame) => frame.type === type)
  }

  /** Resolves with the first frame (already seen or future) that matches. */
  waitFor(predicate: (frame: Frame) => boolean, timeoutMs = 3000, what = "a matching frame"): Promise<Frame> {
    return this.#waitUntil(() => this.frames.find(predicate), timeoutMs, what)
  }

  async #waitUntil<T>(check: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
    const deadline = Date.now() + timeoutMs
    for (;;) {
      const found = check()
      if (found !== undefined) return found
      const left = deadline - Date.now()
      if (left <= 0) throw new Error(`timed out waiting for ${what}; got ${JSON.stringify(this.frames).slice(0, 4000)}`)
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left)
        this.#waiters.push(() => {
          clearTimeout(timer)
          resolve()
        })
      })
    }
  }

  /**
   * Waits until the room as presence frames report it (snapshots, with diffs applied) is, or was,
   * exactly `expected` (clientID → userInfo).
   */
  async waitForPresence(expected: Record<string, unknown>, timeoutMs = 3000): Promise<void> {
    const want = JSON.stringify(Object.entries(expected).sort(([a], [b]) => (a < b ? -1 : 1)).map(([clientID, userInfo]) => ({ clientID, userInfo })))
    await this.#waitUntil(() => (this.presenceStates.includes(want) ? true : undefined), timeoutMs, `presence ${want}`)
  }

  /** Closes cleanly and waits for the close to finish. */
  close(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return Promise.resolve()
    return new Promise((resolve) => {
      this.ws.once("close", () => resolve())
      this.ws.close(1000, "bye")
    })
  }
}

/** Resolves after `ms`. */
export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))
