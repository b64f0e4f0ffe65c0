import { encodeCookie, isPlasmaError } from "@plasma/core"
import { describe, expect, it } from "vitest"
import { compactChangeLog } from "./compact-change-log.js"
import { diffPageSql, diffSnapshots } from "./diff-snapshots.js"
import { encodeHistoryCursor } from "./history-cursor.js"
import { headVersion, openSqlite, schema } from "./ops-fixtures.js"

const insert = "INSERT INTO todos (id, title, done, userId, updatedAt) VALUES (?, ?, 0, 'u1', 1)"

async function seeded() {
  const opened = await openSqlite()
  const { executor } = opened
  await executor.run({ text: insert, params: ["t1", "one"] })
  await executor.run({ text: insert, params: ["t2", "two"] })
  await executor.run({ text: insert, params: ["t3", "three"] })
  const from = await headVersion(executor)
  await executor.run({ text: "UPDATE todos SET title = 'ONE', done = 1 WHERE id = 't1'", params: [] })
  await executor.run({ text: "DELETE FROM todos WHERE id = 't2'", params: [] })
  await executor.run({ text: insert, params: ["t4", "four"] })
  await executor.run({ text: "UPDATE todos SET title = 'three' WHERE id = 't3'", params: [] }) // written back unchanged
  await executor.run({ text: insert, params: ["t5", "brief"] })
  await executor.run({ text: "DELETE FROM todos WHERE id = 't5'", params: [] }) // born and gone inside the range
  await executor.run({ text: "INSERT INTO users (id, name) VALUES ('u1', 'Ada')", params: [] })
  return { ...opened, from, to: await headVersion(executor) }
}

describe("diffSnapshots (better-sqlite3)", () => {
  it("lists added, removed and changed rows per table in their JS form; unchanged rows are left out", async () => {
    const { executor, from, to } = await seeded()
    const diff = await diffSnapshots({ schema, executor, from, to })
    expect(diff).toMatchObject({ from, to, next: null })
    expect([...diff.tables.keys()]).toEqual(["todos", "users"])
    expect(diff.tables.get("todos")).toEqual({
      added: [{ id: "t4", after: { id: "t4", title: "four", done: false, userId: "u1", updatedAt: 1 } }],
      removed: [{ id: "t2", before: { id: "t2", title: "two", done: false, userId: "u1", updatedAt: 1 } }],
      changed: [{ id: "t1", before: { id: "t1", title: "one", done: false, userId: "u1", updatedAt: 1 }, after: { id: "t1", title: "ONE", done: true, userId: "u1", updatedAt: 1 } }],
    })
    expect(diff.tables.get("users")).toEqual({ added: [{ id: "u1", after: { id: "u1", name: "Ada" } }], removed: [], changed: [] })
    // Only the tables asked for; from = to is empty.
    const onlyUsers = await diffSnapshots({ schema, executor, from, to, tables: ["users"] })
    expect([...onlyUsers.tables.keys()]).toEqual(["users"])
    const none = await diffSnapshots({ schema, executor, from: to, to })
    expect([...none.tables.values()].every((d) => d.added.length + d.removed.length + d.changed.length === 0)).toBe(true)
  })

  it("accepts the forms snapshotAsOf accepts, and clamps a `to` past the head", async () => {
    const { executor, from, to } = await seeded()
    const base = await diffSnapshots({ schema, executor, from, to })
    const alt = await diffSnapshots({ schema, executor, from: String(from), to: encodeCookie(to) })
    expect(alt).toEqual(base)
    const future = await diffSnapshots({ schema, executor, from, to: to + 1000 })
    expect(future.to).toBe(to)
    expect(future.tables).toEqual(base.tables)
    expect((await diffSnapshots({ schema, executor, from: to + 5, to: to + 9 })).to).toBe(to + 5)
  })

  it("pages with a cursor bound to the same from, to and tables", async () => {
    const { executor, from, to } = await seeded()
    const first = await diffSnapshots({ schema, executor, from, to, limit: 2 })
    expect(first.next).toMatch(/^ds1\./)
    const count = (d: typeof first) => [...d.tables.values()].reduce((n, t) => n + t.added.length + t.removed.length + t.changed.length, 0)
    expect(count(first)).toBe(2)
    const second = await diffSnapshots({ schema, executor, from, to, limit: 2, cursor: first.next as string })
    expect(count(second)).toBe(2)
    expect(second.next).toBeNull()
    // A write after the first page changes nothing in later pages: `to` was fixed by the first.
    await executor.run({ text: "UPDATE todos SET title = 'later' WHERE id = 't4'", params: [] })
    const again = await diffSnapshots({ schema, executor, from, to: to + 100, limit: 2 })
    expect(again.to).toBe(to + 1)
    const cursor = first.next as string
    for (const other of [{ from: from + 1 }, { to: to + 1 }, { tables: ["todos"] }]) {
      const error = await diffSnapshots({ schema, executor, from, to, limit: 2, cursor, ...other }).catch((e: unknown) => e)
      expect(isPlasmaError(error, "invalid-request")).toBe(true)
      expect((error as Error).message).toContain("cursor belongs to another diff")
    }
  })

  it("refuses bad input with clear codes, and nothing below the compaction floor", async () => {
    const { executor, from, to } = await seeded()
    const fail = (options: Record<string, unknown>) => diffSnapshots({ schema, executor, from, to, ...options } as Parameters<typeof diffSnapshots>[0]).catch((e: unknown) => e)
    const reversed = await fail({ from: to, to: from })
    expect(isPlasmaError(reversed, "invalid-request")).toBe(true)
    expect((reversed as Error).message).toBe(`from (${to}) is after to (${from}); a diff goes from the earlier version to the later`)
    for (const version of [-1, 1.5, Number.NaN, "abc", "", "12x", "c1:garbage", null]) {
      expect(isPlasmaError(await fail({ from: version }), "invalid-request"), `from ${String(version)}`).toBe(true)
      expect(isPlasmaError(await fail({ to: version }), "invalid-request"), `to ${String(version)}`).toBe(true)
    }
    expect(((await fail({ from: "abc" })) as Error).message).toContain("from must be a row_version")
    const unknown = await fail({ tables: ["todos", "nope"] })
    expect(isPlasmaError(unknown, "invalid-query")).toBe(true)
    expect((unknown as Error).message).toBe('tables "nope" is not a table of the schema; synced tables are todos, users')
    expect(isPlasmaError(await fail({ tables: [] }), "invalid-request")).toBe(true)
    expect(isPlasmaError(await fail({ tables: "todos" }), "invalid-request")).toBe(true)
    for (const limit of [0, 10_001, 2.5, "5"]) expect(isPlasmaError(await fail({ limit }), "invalid-request")).toBe(true)
    const forged = [
      "",
      "ds1.",
      "ds1.%%%",
      "rh1.WyJ0b2RvcyIsInQxIiw0Ml0",
      encodeHistoryCursor("ds1", [from, to, to, from]),
      encodeHistoryCursor("ds1", [from, to, to, to + 1, null]),
      encodeHistoryCursor("ds1", [from, to, to, from - 1, null]),
      encodeHistoryCursor("ds1", [from, to, to + 1, from, null]),
      encodeHistoryCursor("ds1", [from, to, to, from, "todos"]),
    ]
    for (const cursor of forged) expect(isPlasmaError(await fail({ cursor }), "invalid-request"), `cursor ${cursor}`).toBe(true)

    await compactChangeLog({ executor, safeUpToVersion: from + 1 })
    const below = await fail({})
    expect(isPlasmaError(below, "version-compacted")).toBe(true)
    expect((below as Error).message).toContain(`compacted up to ${from + 1}`)
    await expect(diffSnapshots({ schema, executor, from: from + 1, to })).resolves.toMatchObject({ from: from + 1 })
  })

  it("a page walks the primary-key range and searches the row index per entry: no scan, no sort", async () => {
    const { database } = await openSqlite()
    const plan = (database.prepare(`EXPLAIN QUERY PLAN ${diffPageSql(2)}`).all(1, 1, 5, "todos", "users", 5, 10) as { detail: string }[]).map((p) => p.detail).join("\n")
    expect(plan).toContain("SEARCH c USING INTEGER PRIMARY KEY (rowid>? AND rowid<?)")
    expect(plan).toContain("SEARCH n USING COVERING INDEX _plasma_changes_row_idx (table_name=? AND row_id=? AND row_version>? AND row_version<?)")
    expect(plan).toContain("SEARCH x USING COVERING INDEX _plasma_changes_row_idx (table_name=? AND row_id=? AND row_version<?)")
    expect(plan).not.toMatch(/SCAN|TEMP B-TREE/)
  })
})
