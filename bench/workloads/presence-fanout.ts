/**
 * @module Workloads `presence-fanout-100` and `presence-fanout-100-5-updating`: 100 WebSockets in one
 * coordinator room in local workerd (Miniflare); every socket (or 5 of them) updates its presence at
 * 10 Hz for {@link MEASURE_MS} ms. Measured in Node:
 * presence bytes per second the room sends (the sum over all sockets of presence frames received,
 * snapshots and diffs), presence frames per socket per second, and how stale an update is when
 * socket 0 first sees it (update stamped by its sender → visible in a frame socket 0 receives).
 *
 * ratio = measured bytes/s ÷ the naive cost of the same updates (every update a full snapshot to
 * every socket: updates/s × sockets × snapshot bytes), so lower is better and 1 is "no coalescing".
 *
 * Needs `pnpm --filter @plasma/coordinator build` first: the Worker is bundled from the package's
 * dist. `PRESENCE_FANOUT_DIST=/path/to/dist/index.js` bundles another build instead (that is how
 * the "before" row in bench/README.md was measured, from the dist of the commit before the change).
 */
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { build } from "esbuild"
import { Miniflare } from "miniflare"
import { WebSocket } from "ws"
import { percentile, round, type BenchResult } from "../lib.js"

// `PRESENCE_FANOUT_SOCKETS=200` measures another room size (the README quotes 100 and 200).
const SOCKETS = Number(process.env["PRESENCE_FANOUT_SOCKETS"] ?? 100)
const SPARSE_UPDATERS = 5
const UPDATES_PER_SECOND = 10
const WARMUP_MS = 1500
const MEASURE_MS = 5000
const TOKEN = "bench-token-0123456789abcdef"
const ROOM = "presence-bench"
const here = dirname(fileURLToPath(import.meta.url))
const dist = process.env["PRESENCE_FANOUT_DIST"] ?? join(here, "../../packages/coordinator/dist/index.js")

async function bundleWorker(): Promise<string> {
  const result = await build({
    stdin: {
      contents: `
        import { routeToCoordinator } from ${JSON.stringify(dist)}
        export { SyncCoordinator } from ${JSON.stringify(dist)}
        export default {
          async fetch(request, env) {
            return (await routeToCoordinator(request, env.COORDINATOR)) ?? new Response("not found", { status: 404 })
          },
        }`,
      resolveDir: here,
      loader: "js",
    },
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    write: false,
    logLevel: "silent",
  })
  const output = result.outputFiles[0]
  if (output === undefined) throw new Error("esbuild produced no worker bundle")
  return output.text
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

interface StampedInfo {
  readonly seq: number
  readonly t: number
}

function isStamped(value: unknown): value is StampedInfo {
  return typeof value === "object" && value !== null && typeof (value as { seq?: unknown }).seq === "number" && typeof (value as { t?: unknown }).t === "number"
}

/** Both scenarios: every socket updating, and 5 of the 100 updating (a room where a few type). */
export async function run(): Promise<BenchResult[]> {
  return [await measure(SOCKETS), await measure(SPARSE_UPDATERS)]
}

async function measure(updaters: number): Promise<BenchResult> {
  const mf = new Miniflare({
    modules: true,
    script: await bundleWorker(),
    compatibilityDate: "2026-04-20",
    durableObjects: { COORDINATOR: { className: "SyncCoordinator", useSQLite: true } },
    bindings: { PLASMA_COORDINATOR_TOKEN: TOKEN },
    host: "127.0.0.1",
    port: 0,
    cf: false,
  })
  const sockets: WebSocket[] = []
  const timers: Array<ReturnType<typeof setInterval>> = []
  try {
    const base = await mf.ready
    let measuring = false
    let bytes = 0
    let frames = 0
    let snapshotBytes = 0
    let lastMessageAt = performance.now()
    // Socket 0's view (socket 0 is always an updater too): the newest seq seen per sender, and the staleness of each first sighting.
    const seen = new Map<string, number>()
    const staleness: number[] = []
    const observe = (clientID: string, userInfo: unknown): void => {
      if (!isStamped(userInfo) || (seen.get(clientID) ?? -1) >= userInfo.seq) return
      seen.set(clientID, userInfo.seq)
      if (measuring) staleness.push(Date.now() - userInfo.t)
    }

    const joinUrl = (i: number) => {
      const url = new URL(`/sync/coordinator?room=${ROOM}&clientID=client-${String(i).padStart(3, "0")}`, base)
      url.protocol = "ws:"
      return url.toString()
    }
    await Promise.all(
      Array.from({ length: SOCKETS }, (_, i) =>
        new Promise<void>((resolve, reject) => {
          const ws = new WebSocket(joinUrl(i), { headers: { Authorization: `Bearer ${TOKEN}` } })
          ws.on("message", (data: Buffer) => {
            lastMessageAt = performance.now()
            const text = data.toString()
            if (!text.startsWith('{"type":"presence')) return
            if (measuring) {
              bytes += data.length
              frames++
            }
            const message = JSON.parse(text) as { type: string; entries?: Array<{ clientID: string; userInfo: unknown }>; updated?: Array<{ clientID: string; userInfo: unknown }> }
            if (message.type === "presence" && message.entries !== undefined) snapshotBytes = Math.max(snapshotBytes, data.length)
            if (i !== 0) return
            for (const entry of message.entries ?? message.updated ?? []) observe(entry.clientID, entry.userInfo)
          })
          ws.once("open", () => resolve())
          ws.once("error", reject)
          sockets.push(ws)
        }),
      ),
    )
    while (performance.now() - lastMessageAt < 1000) await sleep(100)

    let updates = 0
    sockets.slice(0, updaters).forEach((ws, i) => {
      let seq = 0
      const send = () => {
        ws.send(JSON.stringify({ type: "presence", userInfo: { name: `user-${i}`, cursor: { x: (seq * 7) % 1000, y: (seq * 13) % 700 }, seq: seq++, t: Date.now() } }))
        if (measuring) updates++
      }
      // Staggered so the room sees a steady stream, not 100 updates at the same instant.
      setTimeout(() => timers.push(setInterval(send, 1000 / UPDATES_PER_SECOND)), (i * 1000) / UPDATES_PER_SECOND / updaters)
    })
    await sleep(WARMUP_MS)
    measuring = true
    const start = performance.now()
    await sleep(MEASURE_MS)
    measuring = false
    const seconds = (performance.now() - start) / 1000
    for (const timer of timers) clearInterval(timer)

    const bytesPerSecond = bytes / seconds
    const naiveBytesPerSecond = (updates / seconds) * SOCKETS * snapshotBytes
    return {
        workload: `presence-fanout-${SOCKETS}${updaters === SOCKETS ? "" : `-${updaters}-updating`}`,
        ratio: round(bytesPerSecond / naiveBytesPerSecond, 4),
        ratioAgainst: "naive: every update a full snapshot to every socket",
        sockets: SOCKETS,
        updaters,
        updatesPerSecond: round(updates / seconds),
        presenceKiBPerSecond: round(bytesPerSecond / 1024),
        naiveKiBPerSecond: round(naiveBytesPerSecond / 1024),
        framesPerSocketPerSecond: round(frames / seconds / SOCKETS),
        snapshotBytes,
        stalenessP50Ms: round(percentile(staleness, 50)),
        stalenessP99Ms: round(percentile(staleness, 99)),
        measuredFrom: `Node clients, ${MEASURE_MS} ms after ${WARMUP_MS} ms of warm-up; bytes are WebSocket payloads`,
        dist: process.env["PRESENCE_FANOUT_DIST"] === undefined ? "packages/coordinator/dist" : "PRESENCE_FANOUT_DIST",
      }
  } finally {
    for (const timer of timers) clearInterval(timer)
    for (const ws of sockets) ws.terminate()
    await mf.dispose()
  }
}
