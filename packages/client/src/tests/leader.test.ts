/**
 * Leader election across tabs. Node 20 has no Web Locks, so this suite passes a minimal
 * in-process lock manager with the API's semantics (exclusive, FIFO, released when the callback's
 * promise settles, abortable while waiting, `ifAvailable` answering `null` when held); real browsers' locks are exercised by the Chromium
 * tests. Everything else is real: the handler, fake-indexeddb shared by the tabs, Node's
 * BroadcastChannel.
 */
import { afterEach, describe, expect, it } from "vitest"
import type { LockManagerLike } from "../index.js"
import { clientOf, counters, freshDbName, startServer, until, type TestServer } from "./harness.js"

function createLockManager(): LockManagerLike {
  const queues = new Map<string, { run: () => void; signal?: AbortSignal }[]>()
  const held = new Set<string>()
  const next = (name: string): void => {
    const queue = queues.get(name) ?? []
    while (!held.has(name) && queue.length > 0) {
      const waiter = queue.shift()!
      if (waiter.signal?.aborted === true) continue
      waiter.run()
    }
  }
  return {
    request(name, options, callback) {
      if (options.ifAvailable === true && held.has(name)) return callback(null)
      return new Promise((resolve, reject) => {
        const queue = queues.get(name) ?? []
        queues.set(name, queue)
        options.signal?.addEventListener("abort", () => reject(new DOMException("aborted", "AbortError")))
        queue.push({
          ...(options.signal === undefined ? {} : { signal: options.signal }),
          run: () => {
            held.add(name)
            callback({ name }).then(resolve, reject).finally(() => {
              held.delete(name)
              next(name)
            })
          },
        })
        next(name)
      })
    },
  }
}

describe("leader election [better-sqlite3]", () => {
  let server: TestServer
  afterEach(async () => server?.dispose())

  it("only the leader talks to the server; it pushes the followers' work; followers rebase on its pulls; the next tab takes over", async () => {
    server = await startServer("better-sqlite3")
    const locks = createLockManager()
    const dbName = freshDbName()
    const group = "g-leader"
    const leader = clientOf(server, { dbName, clientGroupID: group, locks })
    await leader.pullOnce()
    const follower = clientOf(server, { dbName, clientGroupID: group, locks })
    await follower.mutate("increment", { id: "c", by: 2 })
    const requestsBefore = server.network.requests.length
    await follower.pushOnce()
    await follower.pullOnce()
    expect(server.network.requests.length).toBe(requestsBefore) // a follower does no network

    await until(() => leader.status.get().outboxDepth === 1, "the leader to hear the follower's mutation")
    await leader.flush()
    expect(server.network.requests.filter((r) => r.method === "POST").map((r) => r.clientID)).toEqual([follower.clientID])
    await until(() => follower.status.get().outboxDepth === 0, "the follower to see its mutation confirmed")
    expect(await follower.db.select().from(counters)).toEqual([{ id: "c", value: 2 }])

    // The leader closes: the follower takes over and syncs by itself.
    await leader.close()
    await follower.mutate("increment", { id: "c", by: 3 })
    await follower.flush()
    await until(async () => (await server.executor.all({ text: "SELECT value FROM counters", params: [] }))[0]?.value === 5, "the new leader to push")
    expect(follower.status.get().outboxDepth).toBe(0)
    await follower.close()
  })
})
