import fc from "fast-check"
import { describe, expect, it } from "vitest"
import type { OutboxEntry } from "../sync/outbox-entry.js"
import { OptimisticView, type DecodedPatch, type MutationRunner } from "./optimistic-view.js"
import { BaseRows, RowLayer, type Row } from "./row-layer.js"

const entry = (mutationID: number, args: unknown): OutboxEntry => ({ clientID: "c", mutationID, name: "add", args, timestamp: 0, blobDeps: [] })

/** A mutation adds `by` to counter "n", or throws when `by` is negative; it awaits between read and write. */
const runner: MutationRunner = async (e, store) => {
  const { by } = e.args as { by: number }
  const current = (store.get("counters", "n")?.value as number | undefined) ?? 0
  await Promise.resolve()
  if (by < 0) {
    store.put("counters", { id: "n", value: -999 })
    throw new Error("negative")
  }
  store.put("counters", { id: "n", value: current + by })
}

const valueOf = (view: { get(t: string, id: string): Readonly<Row> | undefined }): number | undefined => view.get("counters", "n")?.value as number | undefined

describe("RowLayer", () => {
  it("reads through to its parent, hides deletes, never touches the parent", () => {
    const base = new BaseRows()
    base.put("t", { id: "a", v: 1 })
    base.put("t", { id: "b", v: 2 })
    const layer = new RowLayer(base)
    layer.put("t", { id: "a", v: 10 })
    layer.delete("t", "b")
    layer.put("t", { id: "c", v: 3 })
    expect([...layer.rows("t")]).toEqual([{ id: "a", v: 10 }, { id: "c", v: 3 }])
    expect(layer.get("t", "b")).toBeUndefined()
    expect([...base.rows("t")]).toEqual([{ id: "a", v: 1 }, { id: "b", v: 2 }])
    expect(Object.isFrozen(layer.get("t", "a"))).toBe(true)
  })
})

describe("OptimisticView", () => {
  it("a throwing mutation leaves nothing behind", async () => {
    const view = new OptimisticView()
    await view.run(entry(1, { by: 2 }), runner)
    await expect(view.run(entry(2, { by: -1 }), runner)).rejects.toThrow("negative")
    expect(valueOf(view)).toBe(2)
  })

  it("a failing beforeMerge (persisting) merges nothing", async () => {
    const view = new OptimisticView()
    await expect(view.run(entry(1, { by: 2 }), runner, async () => Promise.reject(new Error("disk full")))).rejects.toThrow("disk full")
    expect(valueOf(view)).toBeUndefined()
  })

  it("prepareRebase changes nothing visible; commitRebase swaps base and overlay at once", async () => {
    const view = new OptimisticView()
    const pending = [entry(1, { by: 1 }), entry(2, { by: 1 })]
    for (const e of pending) await view.run(e, runner)
    expect(valueOf(view)).toBe(2)
    const patch: DecodedPatch = [{ op: "put", table: "counters", id: "n", value: { id: "n", value: 3 } }]
    const prepared = await view.prepareRebase(patch, null, pending, runner)
    expect(valueOf(view)).toBe(2) // nothing visible yet, however long the replay awaited
    const touched = view.commitRebase(prepared)
    expect(valueOf(view)).toBe(5)
    expect(touched.get("counters")).toEqual(new Set(["n"]))
    expect(valueOf(view.base)).toBe(3)
  })

  it("property: after any sequence of patches and rebases, the view equals the base with the pending mutations applied in order", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ server: fc.integer({ min: 0, max: 100 }), pending: fc.array(fc.integer({ min: -1, max: 5 }), { maxLength: 6 }) }), { minLength: 1, maxLength: 5 }),
        async (steps) => {
          const view = new OptimisticView()
          let id = 0
          for (const step of steps) {
            const pending = step.pending.map((by) => entry(++id, { by }))
            const prepared = await view.prepareRebase([{ op: "put", table: "counters", id: "n", value: { id: "n", value: step.server } }], null, pending, runner)
            view.commitRebase(prepared)
            const expected = step.server + step.pending.filter((by) => by >= 0).reduce((a, b) => a + b, 0)
            expect(valueOf(view)).toBe(expected)
            expect(prepared.failures.length).toBe(step.pending.filter((by) => by < 0).length)
          }
        },
      ),
      { numRuns: 100 },
    )
  })

  it("a reset replaces the base whole and reports every id that was or is visible", async () => {
    const view = new OptimisticView()
    view.commitRebase(await view.prepareRebase([{ op: "put", table: "t", id: "old", value: { id: "old" } }], null, [], runner))
    const staged = new BaseRows()
    staged.put("t", { id: "new" })
    const touched = view.commitRebase(await view.prepareRebase([], staged, [entry(1, { by: 1 })], runner))
    expect([...view.rows("t")].map((r) => r.id)).toEqual(["new"])
    expect(valueOf(view)).toBe(1)
    expect(touched.get("t")).toEqual(new Set(["old", "new"]))
  })
})
