import { isPlasmaError } from "@plasma/core"
import { describe, expect, it } from "vitest"
import { applyPush } from "../sync/push.js"
import { compactChangeLog } from "./compact-change-log.js"
import { encodeHistoryCursor } from "./history-cursor.js"
import { headVersion, mutators, openSqlite, schema } from "./ops-fixtures.js"
import { ROW_HISTORY_SQL, rowHistory } from "./row-history.js"

const insert = "INSERT INTO todos (id, title, done, userId, updatedAt) VALUES (?, ?, 0, 'u1', 1)"

describe("rowHistory (better-sqlite3)", () => {
  it("lists a row's entries newest first, decoded, with who wrote each and when", async () => {
    const { executor } = await openSqlite()
    const t0 = Date.now()
    await executor.run({ text: insert, params: ["t1", "first"] })
    await executor.run({ text: insert, params: ["t2", "other row"] })
    const push = await applyPush({ schema, mutators, executor, ctx: { userId: "u1" }, clientGroupID: "g1", clientID: "c1", mutations: [{ id: 1, name: "markDone", args: { id: "t1", updatedAt: 7 } }] })
    expect(push.processed).toBe(1)
    await executor.run({ text: "DELETE FROM todos WHERE id = 't1'", params: [] })

    const page = await rowHistory({ schema, executor, table: "todos", id: "t1" })
    expect(page).toMatchObject({ table: "todos", id: "t1", next: null, compactionFloor: 0 })
    expect(page.entries.map((e) => [e.rowVersion, e.op])).toEqual([
      [4, "del"],
      [3, "put"],
      [1, "put"],
    ])
    const [deleted, done, created] = page.entries
    expect(deleted).toMatchObject({ value: null, clientGroupID: null, clientID: null, mutationID: null, folded: false })
    expect(done).toMatchObject({ value: { id: "t1", title: "first", done: true, userId: "u1", updatedAt: 7 }, clientGroupID: "g1", clientID: "c1", mutationID: 1 })
    expect(created?.value).toEqual({ id: "t1", title: "first", done: false, userId: "u1", updatedAt: 1 })
    for (const e of page.entries) expect(e.createdAt).toBeGreaterThanOrEqual(t0 - 1000)
    expect((await rowHistory({ schema, executor, table: "todos", id: "never" })).entries).toEqual([])
  })

  it("pages with before; a page boundary loses and repeats nothing", async () => {
    const { executor } = await openSqlite()
    await executor.run({ text: insert, params: ["t1", "v0"] })
    for (let i = 1; i < 7; i++) await executor.run({ text: "UPDATE todos SET title = ? WHERE id = 't1'", params: [`v${i}`] })
    const seen: number[] = []
    let page = await rowHistory({ schema, executor, table: "todos", id: "t1", limit: 3 })
    seen.push(...page.entries.map((e) => e.rowVersion))
    while (page.next !== null) {
      page = await rowHistory({ schema, executor, table: "todos", id: "t1", limit: 3, before: page.next })
      seen.push(...page.entries.map((e) => e.rowVersion))
    }
    expect(seen).toEqual([7, 6, 5, 4, 3, 2, 1])
    // Exactly `limit` entries left: the last full page says there is no more.
    expect((await rowHistory({ schema, executor, table: "todos", id: "t1", limit: 7 })).next).toBeNull()
  })

  it("is honest about compaction: entries at or below the floor are marked folded", async () => {
    const { executor } = await openSqlite()
    await executor.run({ text: insert, params: ["t1", "a"] })
    await executor.run({ text: "UPDATE todos SET title = 'b' WHERE id = 't1'", params: [] })
    await executor.run({ text: "UPDATE todos SET title = 'c' WHERE id = 't1'", params: [] })
    const bound = await headVersion(executor)
    await executor.run({ text: "UPDATE todos SET title = 'd' WHERE id = 't1'", params: [] })
    await compactChangeLog({ executor, safeUpToVersion: bound })
    const page = await rowHistory({ schema, executor, table: "todos", id: "t1" })
    expect(page.compactionFloor).toBe(bound)
    expect(page.entries.map((e) => [e.rowVersion, e.value?.["title"], e.folded])).toEqual([
      [4, "d", false],
      [3, "c", true], // stands for a → b → c: not one edit
    ])
  })

  it("refuses an unknown or local-only table naming the synced ones, and bad ids, limits and cursors", async () => {
    const { executor } = await openSqlite()
    await executor.run({ text: insert, params: ["t1", "a"] })
    await executor.run({ text: "UPDATE todos SET title = 'b' WHERE id = 't1'", params: [] })
    const unknown = await rowHistory({ schema, executor, table: "todo", id: "t1" }).catch((e: unknown) => e)
    expect(isPlasmaError(unknown, "invalid-query")).toBe(true)
    expect((unknown as Error).message).toBe('table "todo" is not a table of the schema; synced tables are todos, users')
    const local = await rowHistory({ schema, executor, table: "drafts", id: "d1" }).catch((e: unknown) => e)
    expect(isPlasmaError(local, "invalid-query")).toBe(true)
    expect((local as Error).message).toContain("local-only")

    const bad = (options: Record<string, unknown>) => rowHistory({ schema, executor, table: "todos", id: "t1", ...options } as Parameters<typeof rowHistory>[0]).catch((e: unknown) => e)
    for (const limit of [0, -1, 1.5, 1001, Number.NaN, "10"]) expect(isPlasmaError(await bad({ limit }), "invalid-request")).toBe(true)
    expect(isPlasmaError(await bad({ id: 42 }), "invalid-request")).toBe(true)
    const first = await rowHistory({ schema, executor, table: "todos", id: "t1", limit: 1 })
    const good = first.next as string
    expect(good).toMatch(/^rh1\./)
    const garbage = ["", "x", "rh1.", "rh1.!!!", `${good}=`, `${good}A`, good.slice(0, -2), "rh2" + good.slice(3), `rh1.${btoa("[1,2]")}`, encodeHistoryCursor("rh1", ["todos", "t1", -1]), encodeHistoryCursor("rh1", ["todos", "t1", 1.5]), encodeHistoryCursor("rh1", ["todos", 5, 1])]
    for (const before of garbage) {
      const error = await bad({ before })
      expect(isPlasmaError(error, "invalid-request"), `cursor ${JSON.stringify(before)}`).toBe(true)
    }
    const foreign = await bad({ id: "t2", before: good })
    expect(isPlasmaError(foreign, "invalid-request")).toBe(true)
    expect((foreign as Error).message).toBe("before is a cursor of todos/t1, not of todos/t2")
    expect((await rowHistory({ schema, executor, table: "todos", id: "t1", before: good })).entries.map((e) => e.rowVersion)).toEqual([1])
  })

  it("one page is an index search on (table_name, row_id, row_version), no sort", async () => {
    const { database } = await openSqlite()
    const plan = (database.prepare(`EXPLAIN QUERY PLAN ${ROW_HISTORY_SQL}`).all("todos", "t1", 10, 51) as { detail: string }[]).map((p) => p.detail).join("\n")
    expect(plan).toContain("SEARCH _plasma_changes USING INDEX _plasma_changes_row_idx (table_name=? AND row_id=? AND row_version<?)")
    expect(plan).not.toMatch(/SCAN|TEMP B-TREE/)
  })
})
