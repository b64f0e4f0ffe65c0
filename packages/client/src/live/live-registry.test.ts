import { count, createDb, defineSchema, desc, eq, evaluateSelect, gt, id, int, isPlasmaError, boolean, ref, table, text, type QueryEngine, type SelectNode } from "@plasma/core"
import { describe, expect, it } from "vitest"
import type { LiveDelta } from "./live-delta.js"
import { createLiveRegistry, MAX_NOTIFY_ROUNDS } from "./live-registry.js"
import { LiveQueryError } from "./live-query-error.js"
import type { Row } from "./row-identity.js"
import { ViewFixture } from "./view-fixture.js"

const users = table("users", { id: id(), name: text() })
const todos = table("todos", { id: id(), title: text(), done: boolean().default(false), rank: int(), ownerId: ref(() => users.id) })
const notes = table("notes", { id: id(), body: text() })
const schema = defineSchema({ users, todos, notes })

const engine: QueryEngine = {
  select: () => Promise.reject(new Error("not used")),
  write: () => Promise.reject(new Error("not used")),
}
const db = createDb(schema, engine)

function todo(n: number, patch: Partial<Row> = {}): Row {
  return { id: `t${n}`, title: `todo ${n}`, done: false, rank: n, ownerId: "u1", ...patch }
}

function setup(seed = 5) {
  const view = new ViewFixture()
  view.put("users", { id: "u1", name: "Ann" }).put("users", { id: "u2", name: "Bo" })
  for (let i = 1; i <= seed; i++) view.put("todos", todo(i))
  view.put("notes", { id: "n1", body: "x" })
  view.take()
  const errors: unknown[] = []
  const registry = createLiveRegistry({ schema, view, onError: (e) => errors.push(e) })
  const expected = (node: SelectNode) => evaluateSelect(schema, node, (t) => view.rows(t))
  return { view, registry, errors, expected }
}

function recorder<T>() {
  const calls: T[] = []
  return { calls, fn: (value: T) => void calls.push(value) }
}

const openByRank = db.select().from(todos).where(eq(todos.done, false)).orderBy(todos.rank).limit(3).toNode()

describe("live registry: delivery", () => {
  it("waits for open(), then delivers once and resolves whenReady", async () => {
    const { registry, expected } = setup()
    const live = registry.create<Row>(openByRank)
    const rows = recorder<readonly Row[]>()
    live.subscribe(rows.fn)
    expect(rows.calls).toHaveLength(0)
    expect(live.current).toBeUndefined()
    const ready = live.whenReady()
    registry.open()
    expect(rows.calls).toHaveLength(1)
    expect(rows.calls[0]).toEqual(expected(openByRank))
    expect(await ready).toBe(live.current)
    expect(rows.calls[0]).toBe(live.current)
  })

  it("whenReady() without subscribers evaluates once and detaches again", async () => {
    const { registry, view, expected } = setup()
    registry.open()
    const live = registry.create<Row>(openByRank)
    expect(await live.whenReady()).toEqual(expected(openByRank))
    view.reads = 0
    view.put("todos", todo(1, { title: "changed" }))
    registry.notify(view.take())
    expect(view.reads).toBe(0)
  })

  it("never fires for an unrelated table, a row outside the window or a row that does not match", () => {
    const { registry, view } = setup()
    registry.open()
    const rows = recorder<readonly Row[]>()
    registry.create<Row>(openByRank).subscribe(rows.fn)
    expect(rows.calls).toHaveLength(1)
    view.put("notes", { id: "n2", body: "y" })
    registry.notify(view.take())
    view.put("todos", todo(5, { title: "outside the window" }))
    registry.notify(view.take())
    view.put("todos", todo(9, { done: true, rank: 0 }))
    registry.notify(view.take())
    view.put("users", { id: "u1", name: "Renamed" })
    registry.notify(view.take())
    expect(rows.calls).toHaveLength(1)
  })

  it("does not fire twice for the same result, and unchanged rows keep their objects", () => {
    const { registry, view, expected } = setup()
    registry.open()
    const live = registry.create<Row>(openByRank)
    const rows = recorder<readonly Row[]>()
    live.subscribe(rows.fn)
    const first = live.current as readonly Row[]
    // A rebase re-creates equal rows: new objects, same content.
    for (let i = 1; i <= 5; i++) view.put("todos", todo(i))
    registry.notify(view.take())
    expect(rows.calls).toHaveLength(1)
    expect(live.current).toBe(first)
    view.put("todos", todo(2, { title: "new title" }))
    registry.notify(view.take())
    expect(rows.calls).toHaveLength(2)
    const second = live.current as readonly Row[]
    expect(second).toEqual(expected(openByRank))
    expect(second[0]).toBe(first[0])
    expect(second[1]).not.toBe(first[1])
    expect(second[2]).toBe(first[2])
    expect(Object.isFrozen(second) && Object.isFrozen(second[1])).toBe(true)
  })

  it("gives a late subscriber the current result at once, and a late delta subscriber the whole window as added", () => {
    const { registry } = setup()
    registry.open()
    const live = registry.create<Row>(openByRank)
    live.subscribe(() => {})
    const rows = recorder<readonly Row[]>()
    const deltas = recorder<LiveDelta<Row>>()
    live.subscribe(rows.fn)
    live.subscribeDelta(deltas.fn)
    expect(rows.calls).toEqual([live.current])
    expect(deltas.calls).toEqual([{ added: live.current, removed: [], changed: [] }])
    expect(deltas.calls[0]?.added).toBe(live.current)
  })

  it("reports deltas by id: added, removed and changed", () => {
    const { registry, view } = setup()
    registry.open()
    const live = registry.create<Row>(openByRank)
    const deltas = recorder<LiveDelta<Row>>()
    live.subscribeDelta(deltas.fn)
    view.put("todos", todo(0)) // enters first, pushes t3 out
    view.put("todos", todo(2, { title: "edited" }))
    registry.notify(view.take())
    const delta = deltas.calls[1] as LiveDelta<Row>
    expect(delta.added.map((r) => r["id"])).toEqual(["t0"])
    expect(delta.removed.map((r) => r["id"])).toEqual(["t3"])
    expect(delta.changed).toEqual([{ ...todo(2, { title: "edited" }) }])
  })

  it("keys projection rows without id by content: a change is removed + added", () => {
    const { registry, view } = setup(2)
    registry.open()
    const node = db.select({ title: todos.title }).from(todos).orderBy(todos.rank).toNode()
    const deltas = recorder<LiveDelta<Row>>()
    registry.create<Row>(node).subscribeDelta(deltas.fn)
    view.put("todos", todo(1, { title: "renamed" }))
    registry.notify(view.take())
    expect(deltas.calls[1]).toEqual({ added: [{ title: "renamed" }], removed: [{ title: "todo 1" }], changed: [] })
  })

  it("keeps joins and aggregates up to date, keyed by every table they read", () => {
    const { registry, view, expected } = setup()
    registry.open()
    const joined = db.select().from(todos).innerJoin(users, eq(todos.ownerId, users.id)).orderBy(desc(todos.rank)).toNode()
    const counted = db.select({ owner: todos.ownerId, n: count() }).from(todos).groupBy(todos.ownerId).toNode()
    const j = recorder<readonly Row[]>()
    const c = recorder<readonly Row[]>()
    registry.create<Row>(joined).subscribe(j.fn)
    registry.create<Row>(counted).subscribe(c.fn)
    view.put("users", { id: "u1", name: "Renamed" })
    registry.notify(view.take())
    expect(j.calls).toHaveLength(2)
    expect(c.calls).toHaveLength(1)
    expect(j.calls[1]).toEqual(expected(joined))
    view.put("todos", todo(3, { ownerId: "u2" }))
    registry.notify(view.take())
    expect(c.calls).toHaveLength(2)
    expect(c.calls[1]).toEqual(expected(counted))
    expect((c.calls[1] as Row[])[0]).not.toBe((c.calls[0] as Row[])[0])
    view.put("notes", { id: "n9", body: "z" })
    registry.notify(view.take())
    expect([j.calls.length, c.calls.length]).toEqual([3, 2])
  })

  it("de-registers a query when its last subscriber leaves", () => {
    const { registry, view } = setup()
    registry.open()
    const live = registry.create<Row>(openByRank)
    const a = recorder<readonly Row[]>()
    const stopA = live.subscribe(a.fn)
    const stopB = live.subscribe(() => {})
    stopA()
    stopA()
    view.put("todos", todo(1, { title: "x" }))
    registry.notify(view.take())
    expect(a.calls).toHaveLength(1)
    stopB()
    view.reads = 0
    view.put("todos", todo(1, { title: "y" }))
    registry.notify(view.take())
    expect(view.reads).toBe(0)
    // Coming back evaluates again.
    const c = recorder<readonly Row[]>()
    live.subscribe(c.fn)
    expect((c.calls[0] as Row[])[0]?.["title"]).toBe("y")
  })

  it("sends a throwing listener's error to onError and still calls the others", () => {
    const { registry, view, errors } = setup()
    registry.open()
    const live = registry.create<Row>(openByRank)
    const boom = new Error("listener failed")
    live.subscribe(() => {
      throw boom
    })
    const rows = recorder<readonly Row[]>()
    live.subscribe(rows.fn)
    view.put("todos", todo(1, { title: "x" }))
    registry.notify(view.take())
    expect(errors).toEqual([boom, boom])
    expect(rows.calls).toHaveLength(2)
  })

  it("runs a notify made by a listener after the current delivery, without double deliveries", () => {
    const { registry, view, expected } = setup()
    registry.open()
    const a = registry.create<Row>(openByRank)
    const all = db.select().from(todos).orderBy(todos.rank).toNode()
    const b = registry.create<Row>(all)
    const seenByB: (readonly Row[])[] = []
    let once = false
    a.subscribe(() => {
      if (!once && a.current !== undefined && a.current.length > 0 && a.current[0]?.["title"] === "first") {
        once = true
        view.put("todos", todo(7, { title: "added by a listener" }))
        registry.notify(view.take())
        // Queued: b has not seen it yet.
        expect(b.current?.some((r) => r["id"] === "t7")).toBe(false)
      }
    })
    b.subscribe((rows) => seenByB.push(rows))
    view.put("todos", todo(1, { title: "first" }))
    registry.notify(view.take())
    expect(seenByB).toHaveLength(3)
    expect(seenByB[2]).toEqual(expected(all))
    expect(new Set(seenByB).size).toBe(3)
  })

  it("bounds listeners that notify for ever", () => {
    const { registry, view, errors } = setup()
    registry.open()
    let n = 100
    let armed = false
    registry.create<Row>(db.select().from(todos).toNode()).subscribe(() => {
      if (!armed) return
      view.put("todos", todo(n++))
      registry.notify(view.take())
    })
    armed = true
    view.put("todos", todo(1, { title: "go" }))
    registry.notify(view.take())
    expect(errors).toHaveLength(1)
    expect(String(errors[0])).toContain(`${MAX_NOTIFY_ROUNDS} rounds`)
  })

  it("refuses an invalid select with invalid-query, before anything runs", () => {
    const { registry } = setup()
    const bad = { ...openByRank, where: { kind: "compare", op: "eq", left: { kind: "column", table: "todos", column: "nope" }, right: { kind: "value", value: 1 } } } as SelectNode
    try {
      registry.create(bad)
      expect.unreachable()
    } catch (error) {
      expect(isPlasmaError(error) && error.code).toBe("invalid-query")
    }
  })

  it("close() rejects pending whenReady calls with code closed and stops deliveries", async () => {
    const { registry, view } = setup()
    const live = registry.create<Row>(db.select().from(todos).where(gt(todos.rank, 2)).toNode())
    const rows = recorder<readonly Row[]>()
    live.subscribe(rows.fn)
    const ready = live.whenReady()
    registry.close()
    await expect(ready).rejects.toBeInstanceOf(LiveQueryError)
    await expect(live.whenReady()).rejects.toMatchObject({ code: "closed" })
    registry.open()
    view.put("todos", todo(8))
    registry.notify(view.take())
    expect(rows.calls).toHaveLength(0)
  })
})
