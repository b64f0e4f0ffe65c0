/**
 * @module Workload `poke-fanout-1000`: 1,000 WebSockets in one coordinator room in local workerd
 * (Miniflare), then POST pokes; latency is measured per socket from just before the POST to the
 * poke frame's arrival in Node. ratio = pooled p99 / 100 ms (the goal). Memory per connection is
 * the workerd process's RSS growth over the 1,000 joins, divided by 1,000.
 *
 * Needs `pnpm --filter @plasma/coordinator build` first: the Worker is bundled from the package's
 * dist, exactly what a user's Worker would import.
 */
import { readdirSync, readFileSync } from "node:fs"
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { build } from "esbuild"
import { Miniflare } from "miniflare"
import { WebSocket } from "ws"
import { percentile, round, type BenchResult } from "../lib.js"

const SOCKETS = 1000
const ROUNDS = 5
const GOAL_P99_MS = 100
const TOKEN = "bench-token-0123456789abcdef"
const ROOM = "bench"
const here = dirname(fileURLToPath(import.meta.url))
// `POKE_FANOUT_DIST=/path/to/dist/index.js` bundles another build (to compare before/after a change).
const dist = process.env["POKE_FANOUT_DIST"] ?? join(here, "../../packages/coordinator/dist/index.js")

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

/** RSS in bytes of this process's workerd child, or undefined when it cannot be found (non-Linux). */
function workerdRss(): number | undefined {
  try {
    for (const entry of readdirSync("/proc")) {
      if (!/^\d+$/.test(entry)) continue
      let stat: string
      try {
        stat = readFileSync(`/proc/${entry}/stat`, "utf8")
      } catch {
        continue
      }
      // Fields after the parenthesised comm: state, ppid, ...
      const comm = stat.slice(stat.indexOf("(") + 1, stat.lastIndexOf(")"))
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1])
      if (ppid !== process.pid || !comm.includes("workerd")) continue
      const rss = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${entry}/status`, "utf8"))
      if (rss?.[1] !== undefined) return Number(rss[1]) * 1024
    }
  } catch {
    // No /proc.
  }
  return undefined
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

export async function run(): Promise<BenchResult[]> {
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
  try {
    const base = await mf.ready
    const pokeUrl = new URL(`/sync/coordinator?room=${ROOM}`, base)
    const poke = () => fetch(pokeUrl, { method: "POST", headers: { Authorization: `Bearer ${TOKEN}` } })
    // Construct the room's object before the baseline so its fixed cost is not charged to sockets.
    await (await poke()).json()
    await sleep(200)
    const rssBefore = workerdRss()

    let lastMessageAt = performance.now()
    let pokeStart = 0
    let latencies: number[] = []
    let presenceBytes = 0
    const joinUrl = (i: number) => {
      const url = new URL(`/sync/coordinator?room=${ROOM}&clientID=client-${i}&token=${TOKEN}`, base)
      url.protocol = "ws:"
      return url.toString()
    }
    const connectStart = performance.now()
    for (let batch = 0; batch < SOCKETS; batch += 100) {
      await Promise.all(
        Array.from({ length: Math.min(100, SOCKETS - batch) }, (_, k) =>
          new Promise<void>((resolve, reject) => {
            const ws = new WebSocket(joinUrl(batch + k))
            ws.on("message", (data: Buffer) => {
              lastMessageAt = performance.now()
              // A poke is 15 bytes; presence snapshots are large. Avoid parsing either.
              if (data.length < 32 && data.toString() === '{"type":"poke"}') latencies.push(performance.now() - pokeStart)
              else presenceBytes += data.length
            })
            ws.once("open", () => resolve())
            ws.once("error", reject)
            sockets.push(ws)
          }),
        ),
      )
    }
    const connectMs = performance.now() - connectStart
    // Let the coalesced presence snapshots drain before measuring.
    while (performance.now() - lastMessageAt < 1500) await sleep(100)
    const rssAfter = workerdRss()

    const rounds: Array<{ p50: number; p99: number; max: number; postMs: number; sockets: number }> = []
    const pooled: number[] = []
    for (let r = 0; r < ROUNDS; r++) {
      latencies = []
      pokeStart = performance.now()
      const response = await poke()
      const postMs = performance.now() - pokeStart
      const body = (await response.json()) as { sockets: number }
      const deadline = performance.now() + 10_000
      while (latencies.length < SOCKETS && performance.now() < deadline) await sleep(5)
      if (latencies.length < SOCKETS) throw new Error(`round ${r}: only ${latencies.length}/${SOCKETS} sockets got the poke`)
      pooled.push(...latencies)
      rounds.push({
        p50: round(percentile(latencies, 50)),
        p99: round(percentile(latencies, 99)),
        max: round(Math.max(...latencies)),
        postMs: round(postMs),
        sockets: body.sockets,
      })
      await sleep(200)
    }
    const p99 = percentile(pooled, 99)
    return [
      {
        workload: "poke-fanout-1000",
        ratio: round(p99 / GOAL_P99_MS, 3),
        ratioAgainst: "goal p99 100ms",
        sockets: SOCKETS,
        rounds: ROUNDS,
        p50Ms: round(percentile(pooled, 50)),
        p99Ms: round(p99),
        maxMs: round(Math.max(...pooled)),
        perRound: rounds,
        connectAllMs: round(connectMs),
        presenceMiB: round(presenceBytes / 2 ** 20),
        memoryPerConnectionKiB: rssBefore !== undefined && rssAfter !== undefined ? round((rssAfter - rssBefore) / SOCKETS / 1024) : null,
        memorySource: rssBefore !== undefined ? "workerd process RSS delta / sockets" : "unavailable (no /proc)",
        measuredFrom: "Node client, from just before the POST to the poke frame's arrival",
      },
    ]
  } finally {
    for (const ws of sockets) ws.terminate()
    await mf.dispose()
  }
}
