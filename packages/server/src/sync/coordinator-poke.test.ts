/**
 * The `poke` option in workerd against the real `SyncCoordinator` (from `@plasma/coordinator`,
 * bundled into the test Worker): a push that changed something pokes the room's sockets, any
 * clientGroupID works as the guide's `group-${clientGroupID}` room and reaches the same object
 * as `pokeCoordinator`, and a refused poke goes to `onError` as `poke-failed` while the push
 * still succeeds.
 */
import { dirname, join } from "node:path"
import { fileURLToPath } from "node:url"
import { build } from "esbuild"
import { Miniflare } from "miniflare"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { roomObjectName } from "./coordinator-poke.js"
import { securityPush, type Caller } from "./security-fixture.js"

const here = dirname(fileURLToPath(import.meta.url))
const TOKEN = "coordinator-secret-0123456789"

async function bundle(): Promise<string> {
  const result = await build({
    entryPoints: [join(here, "../tests/poke-worker/worker.js")],
    bundle: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    write: false,
    logLevel: "silent",
    alias: { "@plasma/coordinator": join(here, "../../../coordinator/src/index.ts") },
    external: ["cloudflare:*"],
  })
  const output = result.outputFiles[0]
  if (output === undefined) throw new Error("esbuild produced no worker bundle")
  return output.text
}

interface Socket {
  readonly frames: string[]
  close(): void
}

describe("createSyncHandler poke option (workerd, real SyncCoordinator)", () => {
  let mf: Miniflare
  beforeAll(async () => {
    mf = new Miniflare({
      modules: true,
      script: await bundle(),
      compatibilityDate: "2026-04-20",
      d1Databases: ["DB"],
      durableObjects: { COORDINATOR: { className: "SyncCoordinator", useSQLite: true } },
      bindings: { PLASMA_COORDINATOR_TOKEN: TOKEN },
      cf: false,
    })
    await mf.ready
  }, 60_000)
  afterAll(async () => mf?.dispose())

  async function join(room: string, clientID: string): Promise<Socket> {
    const url = `http://sync.test/sync/coordinator?${new URLSearchParams({ room, clientID, token: TOKEN }).toString()}`
    const response = await mf.dispatchFetch(url, { headers: { Upgrade: "websocket" } })
    const ws = response.webSocket
    if (ws === null) throw new Error(`no socket: ${response.status} ${await response.text()}`)
    const frames: string[] = []
    ws.addEventListener("message", (event) => frames.push(String(event.data)))
    ws.accept()
    return { frames, close: () => ws.close() }
  }
  const pokes = (socket: Socket) => socket.frames.filter((f) => f.includes('"poke"')).length
  async function until(check: () => boolean, what: string): Promise<void> {
    for (let i = 0; i < 500; i++) {
      if (check()) return
      await new Promise((resolve) => setTimeout(resolve, 10))
    }
    throw new Error(`timed out waiting for ${what}`)
  }
  async function send(request: Request, headers: Record<string, string> = {}): Promise<number> {
    const response = await mf.dispatchFetch(request.url, {
      method: request.method,
      headers: { ...Object.fromEntries(request.headers), ...headers },
      body: await request.text(),
    })
    await response.text()
    return response.status
  }
  const events = async () => (await (await mf.dispatchFetch("http://sync.test/test/events")).json()) as { kind: string; message: string }[]
  const addDoc = (id: number, doc: string) => ({ id, name: "addDoc", args: { id: doc, ownerId: "ann", attachment: null } })

  it("pokes the default room after a push that changed something", async () => {
    const socket = await join("global", "tab-1")
    const who: Caller = { group: "plain-1", client: "c", user: "ann" }
    expect(await send(securityPush(who, [addDoc(1, "d1")]))).toBe(200)
    await until(() => pokes(socket) === 1, "the poke")
    expect(await events()).toEqual([])
    socket.close()
  })

  it("maps any clientGroupID to the guide's group room, the same object pokeCoordinator reaches", async () => {
    // Longer than 64 characters, with characters a room name cannot hold as is (headers carry it, so ASCII).
    const group = `team/${"x".repeat(100)} ?&=%#`
    expect(await roomObjectName(`group-${group}`)).toMatch(/^sha256:[0-9a-f]{64}$/)
    const socket = await join(`group-${group}`, "tab-1")
    const bystander = await join("global", "tab-2")
    expect(await send(securityPush({ group, client: "c", user: "ann" }, [addDoc(1, "d2")]))).toBe(200)
    await until(() => pokes(socket) === 1, "the handler's poke")
    const guide = await mf.dispatchFetch(`http://sync.test/test/guide-poke?group=${encodeURIComponent(group)}`, { method: "POST" })
    expect(await guide.json()).toEqual({ sockets: 1 })
    await until(() => pokes(socket) === 2, "the guide's poke")
    expect(pokes(bystander)).toBe(0)
    expect(await events()).toEqual([])
    socket.close()
    bystander.close()
  })

  it("reports a refused poke to onError as poke-failed; the push still succeeds", async () => {
    const who: Caller = { group: "plain-2", client: "c", user: "ann" }
    expect(await send(securityPush(who, [addDoc(1, "d3")]), { "x-bad-token": "1" })).toBe(200)
    const seen = await events()
    expect(seen).toHaveLength(1)
    expect(seen[0]).toMatchObject({ kind: "poke-failed", message: expect.stringMatching(/refused the poke with 40[13]/) })
  })
})
