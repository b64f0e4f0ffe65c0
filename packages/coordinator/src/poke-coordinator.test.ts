import { describe, expect, test } from "vitest"
import { CoordinatorError } from "./coordinator-error.js"
import { pokeCoordinator } from "./poke-coordinator.js"
import { toRoomObjectName } from "./room-object-name.js"
import type { CoordinatorNamespace } from "./runtime-types.js"

function fakeNamespace(answer: (url: string, init: RequestInit | undefined) => Promise<Response>) {
  const calls: Array<{ room: string; url: string; init: RequestInit | undefined }> = []
  const namespace: CoordinatorNamespace<string> = {
    idFromName: (name) => name,
    get: (room) => ({
      fetch: (input, init) => {
        const url = typeof input === "string" ? input : input.url
        calls.push({ room, url, init })
        return answer(url, init)
      },
    }),
  }
  return { namespace, calls }
}

const ok = (sockets: number) => async () => Response.json({ ok: true, sockets })

describe("pokeCoordinator", () => {
  test("POSTs the bearer token to the room's object and returns the socket count", async () => {
    const { namespace, calls } = fakeNamespace(ok(4))
    expect(await pokeCoordinator(namespace, { room: "team", token: "s3cret" })).toEqual({ sockets: 4 })
    expect(await pokeCoordinator(namespace, { token: "s3cret" })).toEqual({ sockets: 4 })
    expect(calls.map((c) => c.room)).toEqual(["team", "global"])
    expect(calls[0]?.init).toMatchObject({ method: "POST", headers: { Authorization: "Bearer s3cret" } })
    expect(calls[0]?.url).toMatch(/\/sync\/coordinator\?room=team$/)
  })

  test("a missing or empty token throws token-missing before any request", async () => {
    const { namespace, calls } = fakeNamespace(ok(0))
    for (const token of [undefined, ""]) {
      const error = await pokeCoordinator(namespace, { token }).catch((e: unknown) => e)
      expect(error).toBeInstanceOf(CoordinatorError)
      expect(error).toMatchObject({ code: "token-missing", message: expect.stringMatching(/needs a token/) })
    }
    expect(calls).toHaveLength(0)
  })

  test("a refusal throws poke-failed with the status", async () => {
    const { namespace } = fakeNamespace(async () => Response.json({ error: "unauthorized", message: "no" }, { status: 401 }))
    await expect(pokeCoordinator(namespace, { token: "t" })).rejects.toMatchObject({ code: "poke-failed", details: { status: 401, reason: "unauthorized", room: "global" } })
    const plain = fakeNamespace(async () => new Response("boom", { status: 500 }))
    await expect(pokeCoordinator(plain.namespace, { token: "t" })).rejects.toMatchObject({ code: "poke-failed", details: { status: 500 } })
  })

  test("a network failure or an unexpected body is wrapped, with the cause kept", async () => {
    const cause = new Error("stub exploded")
    const broken = fakeNamespace(() => Promise.reject(cause))
    await expect(pokeCoordinator(broken.namespace, { token: "t" })).rejects.toMatchObject({ code: "poke-failed", cause })
    const weird = fakeNamespace(async () => Response.json({ ok: "yes" }))
    await expect(pokeCoordinator(weird.namespace, { token: "t" })).rejects.toMatchObject({ code: "poke-failed" })
  })

  test("a bad room name is refused before any request", async () => {
    const { namespace, calls } = fakeNamespace(ok(0))
    for (const room of ["", "x".repeat(513)]) {
      await expect(pokeCoordinator(namespace, { room, token: "t" })).rejects.toMatchObject({ code: "invalid-request" })
    }
    expect(calls).toHaveLength(0)
  })

  test("an unusual room goes to the object of its hashed name, with the room itself in the URL", async () => {
    const { namespace, calls } = fakeNamespace(ok(1))
    const room = "group-ünïcode clientGroupID/0123456789abcdef0123456789abcdef0123456789abcdef"
    expect(await pokeCoordinator(namespace, { room, token: "t" })).toEqual({ sockets: 1 })
    expect(calls[0]?.room).toBe(await toRoomObjectName(room))
    expect(calls[0]?.url).toBe(`https://coordinator.internal/sync/coordinator?room=${encodeURIComponent(room)}`)
  })
})
