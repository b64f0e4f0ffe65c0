import fc from "fast-check"
import { describe, expect, it } from "vitest"
import type { OutboxEntry } from "./outbox-entry.js"
import { planPush } from "./plan-push.js"

const entry = (clientID: string, mutationID: number, blobDeps: string[] = []): OutboxEntry => ({ clientID, mutationID, name: "m", args: {}, timestamp: 0, blobDeps })

describe("planPush", () => {
  it("sends each client's entries above what the server has, in id order, capped", () => {
    const pending = [entry("b", 2), entry("a", 1), entry("a", 2), entry("b", 3), entry("a", 3)]
    const plan = planPush(pending, { confirmed: new Map([["b", 1]]), pushed: new Map([["a", 1]]), isUploaded: () => true, maxPerPush: 10 })
    expect(plan.batches.map((b) => [b.clientID, b.entries.map((e) => e.mutationID)])).toEqual([
      ["b", [2, 3]],
      ["a", [2, 3]],
    ])
  })

  it("stops a client's batch at the first entry whose blob is not uploaded", () => {
    const pending = [entry("a", 1), entry("a", 2, ["h"]), entry("a", 3), entry("b", 1)]
    const plan = planPush(pending, { confirmed: new Map(), pushed: new Map(), isUploaded: (h) => h !== "h", maxPerPush: 10 })
    expect(plan.batches.map((b) => [b.clientID, b.entries.map((e) => e.mutationID)])).toEqual([
      ["a", [1]],
      ["b", [1]],
    ])
    expect(plan.blockedOn).toEqual(["h"])
  })

  it("property: every batch is a gap-free run starting right after the server's position, within the cap, never past a blocked entry", () => {
    const arbitrary = fc.record({
      clients: fc.array(
        fc.record({ count: fc.integer({ min: 0, max: 12 }), confirmed: fc.integer({ min: 0, max: 6 }), pushed: fc.integer({ min: 0, max: 6 }), blocked: fc.array(fc.integer({ min: 1, max: 12 }), { maxLength: 3 }) }),
        { minLength: 1, maxLength: 4 },
      ),
      cap: fc.integer({ min: 1, max: 8 }),
      seed: fc.integer(),
    })
    fc.assert(
      fc.property(arbitrary, ({ clients, cap, seed }) => {
        const pending: OutboxEntry[] = []
        clients.forEach((c, i) => {
          for (let id = 1; id <= c.count; id++) pending.push(entry(`c${i}`, id, c.blocked.includes(id) ? [`h${i}-${id}`] : []))
        })
        // Arrival order across clients is arbitrary; within a client it is id order.
        const shuffled = [...pending].sort((x, y) => ((x.mutationID * 31 + x.clientID.length * seed) % 7) - ((y.mutationID * 31 + y.clientID.length * seed) % 7) || x.mutationID - y.mutationID)
        const plan = planPush(shuffled, {
          confirmed: new Map(clients.map((c, i) => [`c${i}`, c.confirmed])),
          pushed: new Map(clients.map((c, i) => [`c${i}`, c.pushed])),
          isUploaded: (h) => !h.startsWith("h"),
          maxPerPush: cap,
        })
        for (const batch of plan.batches) {
          const c = clients[Number(batch.clientID.slice(1))]!
          const start = Math.max(c.confirmed, c.pushed) + 1
          const ids = batch.entries.map((e) => e.mutationID)
          expect(ids[0]).toBe(start)
          ids.forEach((id, k) => expect(id).toBe(start + k))
          expect(ids.length).toBeLessThanOrEqual(cap)
          expect(ids.some((id) => c.blocked.includes(id))).toBe(false)
          // Longest prefix: the entry after the batch is blocked, capped or absent.
          const next = start + ids.length
          expect(ids.length === cap || next > c.count || c.blocked.includes(next)).toBe(true)
        }
        expect(new Set(plan.batches.map((b) => b.clientID)).size).toBe(plan.batches.length)
      }),
    )
  })
})
