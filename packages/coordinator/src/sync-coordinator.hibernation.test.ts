/**
 * Real hibernation: workerd evicts a Durable Object whose only activity is hibernatable sockets
 * after ~10 s idle. The test proves the eviction happened (the test Worker counts constructions
 * per object) and that the new instance knows the room exactly, from the socket attachments alone.
 */
import { afterAll, beforeAll, expect, test } from "vitest"
import { sleep, startHarness, TEST_TOKEN, TestSocket, type Harness } from "./tests/harness.js"

let h: Harness
const opened: TestSocket[] = []

beforeAll(async () => {
  h = await startHarness()
})

afterAll(async () => {
  for (const socket of opened) socket.ws.terminate()
  await h.dispose()
})

async function constructions(room: string): Promise<number> {
  const response = await fetch(new URL(`/__test/constructions?room=${room}`, h.url))
  return ((await response.json()) as { constructions: number }).constructions
}

test("presence and pokes survive eviction of the object", async () => {
  const room = "hibernate"
  const alice = await TestSocket.open(h.joinUrl(room, "alice"))
  const bob = await TestSocket.open(h.joinUrl(room, "bob"))
  opened.push(alice, bob)
  alice.send({ type: "presence", userInfo: { name: "Alice" } })
  bob.send({ type: "presence", userInfo: { name: "Bob" } })
  await alice.waitForPresence({ alice: { name: "Alice" }, bob: { name: "Bob" } })
  expect(await constructions(room)).toBe(1)

  await sleep(12_000) // workerd's inactivity eviction is 10 s

  // Asking wakes the object again: a second construction means the first instance is gone.
  expect(await constructions(room)).toBe(2)

  const carol = await TestSocket.open(h.joinUrl(room, "carol"))
  opened.push(carol)
  const everyone = { alice: { name: "Alice" }, bob: { name: "Bob" }, carol: null }
  await Promise.all([carol, alice, bob].map((socket) => socket.waitForPresence(everyone)))

  const poke = await fetch(new URL(`/sync/coordinator?room=${room}`, h.url), { method: "POST", headers: { Authorization: `Bearer ${TEST_TOKEN}` } })
  expect(await poke.json()).toEqual({ ok: true, sockets: 3 })
  await Promise.all([alice, bob, carol].map((socket) => socket.waitFor((frame) => frame.type === "poke")))

  // A leave after the wake-up is still seen by the sockets accepted before it.
  await bob.close()
  await alice.waitForPresence({ alice: { name: "Alice" }, carol: null })
  expect(await constructions(room)).toBe(2)
}, 30_000)
