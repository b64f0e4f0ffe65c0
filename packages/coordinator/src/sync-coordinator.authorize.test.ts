/**
 * A subclass's own token check, and the guide's `pokeCoordinator` example, in real workerd.
 * `PokeTokenCoordinator` (tests/worker.ts, bound as `CUSTOM` at `/custom/coordinator`) checks
 * pokes against `POKE_TOKEN` and leaves connects to the default check.
 */
import { afterAll, beforeAll, describe, expect, test } from "vitest"
import { WebSocket } from "ws"
import { connectCoordinator, type CoordinatorConnection, type WebSocketConstructor } from "./connect-coordinator.js"
import { CoordinatorError } from "./coordinator-error.js"
import { pokeCoordinator } from "./poke-coordinator.js"
import type { CoordinatorNamespace } from "./runtime-types.js"
import { startHarness, TEST_POKE_TOKEN, TEST_TOKEN, TestSocket, type Harness } from "./tests/harness.js"

const CUSTOM_PATH = "/custom/coordinator"
let h: Harness
let custom: CoordinatorNamespace
const opened: TestSocket[] = []
const connections: CoordinatorConnection[] = []

beforeAll(async () => {
  h = await startHarness()
  custom = (await h.mf.getDurableObjectNamespace("CUSTOM")) as unknown as CoordinatorNamespace
})

afterAll(async () => {
  for (const connection of connections) connection.close()
  for (const socket of opened) socket.ws.terminate()
  await h.dispose()
})

function poke(room: string, token: string): Promise<{ status: number; body: unknown }> {
  return h.mf
    .dispatchFetch(new URL(`${CUSTOM_PATH}?room=${encodeURIComponent(room)}`, h.url), { method: "POST", headers: { Authorization: `Bearer ${token}` } })
    .then(async (response) => ({ status: response.status, body: await response.json() }))
}

describe("a subclass's own token check (the guide's POKE_TOKEN)", () => {
  test("pokes need POKE_TOKEN; connects keep the default PLASMA_COORDINATOR_TOKEN check", async () => {
    const socket = await TestSocket.open(h.joinUrl("custom", "c1", TEST_TOKEN, CUSTOM_PATH))
    opened.push(socket)
    await socket.waitForPresence({ c1: null })

    expect(await poke("custom", TEST_TOKEN)).toMatchObject({ status: 401, body: { error: "unauthorized" } })
    expect(await poke("custom", TEST_POKE_TOKEN)).toEqual({ status: 200, body: { ok: true, sockets: 1 } })
    await socket.waitFor((frame) => frame.type === "poke")
    expect(socket.ofType("poke")).toHaveLength(1)

    // POKE_TOKEN does not open a socket: connects still go through the default check.
    const refused = await new Promise<number>((resolve) => {
      const ws = new WebSocket(h.joinUrl("custom", "c2", TEST_POKE_TOKEN, CUSTOM_PATH))
      ws.once("unexpected-response", (_req, res) => resolve(res.statusCode ?? 0))
      ws.once("open", () => resolve(101))
      ws.once("error", () => {})
    })
    expect(refused).toBe(401)
  })

  test("the base class still refuses POKE_TOKEN (the override, not the secret, makes the difference)", async () => {
    const response = await h.mf.dispatchFetch(new URL("/sync/coordinator?room=custom", h.url), { method: "POST", headers: { Authorization: `Bearer ${TEST_POKE_TOKEN}` } })
    expect(response.status).toBe(401)
  })
})

describe("the guide's pokeCoordinator example (server-side-operations.md)", () => {
  test("runs as written against the real Durable Object and pokes the group's room", async () => {
    // A clientGroupID as apps make them: long and not limited to the old room charset.
    const clientGroupID = `cg_${crypto.randomUUID()}/${"é".repeat(20)}+${"x".repeat(40)}`
    const env = { COORDINATOR: custom, POKE_TOKEN: TEST_POKE_TOKEN }
    const pokes = [0, 0]
    const presence: string[][] = [[], []]
    for (const k of [0, 1]) {
      connections.push(
        connectCoordinator({
          url: new URL(CUSTOM_PATH, h.url).toString(),
          room: `group-${clientGroupID}`,
          token: TEST_TOKEN,
          clientID: `tab-${k}`,
          WebSocket: WebSocket as unknown as WebSocketConstructor,
          onPoke: () => void pokes[k]!++,
          onPresence: (entries) => void presence[k]!.push(entries.map((e) => e.clientID).join(",")),
          heartbeatMs: 0,
        }),
      )
    }
    // Both tabs in the room (each (re)connect also counts as one poke).
    await expect.poll(() => presence.every((seen) => seen.includes("tab-0,tab-1"))).toBe(true)
    const before = [...pokes]

    // ---- the guide's code block, unchanged but for the import path ----
    await pokeCoordinator(env.COORDINATOR, {
      room: `group-${clientGroupID}`,
      token: env.POKE_TOKEN,
    })
    // ---- end of the guide's code block ----

    await expect.poll(() => pokes.map((n, k) => n - (before[k] ?? 0))).toEqual([1, 1])
    // And with the wrong secret it fails loudly rather than silently poking no one.
    const error = await pokeCoordinator(env.COORDINATOR, { room: `group-${clientGroupID}`, token: TEST_TOKEN }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(CoordinatorError)
    expect(error).toMatchObject({ code: "poke-failed", details: { status: 401 } })
  })
})
