import { encodeCookie, isPlasmaError } from "@plasma/core"
import type { SqlExecutor } from "@plasma/executors"
import fc from "fast-check"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { raiseFloorStatement } from "./change-log-meta.js"
import { postgresTestUrl } from "@plasma/executors/testing"
import { headVersion, historyArb, openD1, openPostgres, openSqlite, plain, runHistory, schema } from "./ops-fixtures.js"
import { SNAPSHOT_PAGE_SQL, snapshotAsOf } from "./snapshot-as-of.js"

describe("snapshotAsOf (better-sqlite3)", () => {
  it("has every synced table, decodes rows into their JS form, leaves out deleted rows", async () => {
    const { executor } = await openSqlite()
    const empty = await snapshotAsOf({ schema, executor, cookie: 0 })
    expect([...empty.keys()].sort()).toEqual(["todos", "users"])
    await executor.run({ text: "INSERT INTO todos (id, title, done, userId, updatedAt) VALUES ('t1', 'one', 1, 'u1', 5), ('t2', 'two', 0, 'u2', 6)", params: [] })
    const v2 = await headVersion(executor)
    await executor.run({ text: "UPDATE todos SET title = 'ONE' WHERE id = 't1'", params: [] })
    await executor.run({ text: "DELETE FROM todos WHERE id = 't2'", params: [] })
    await executor.run({ text: "INSERT INTO drafts (id, body) VALUES ('d1', 'local')", params: [] })
    const past = await snapshotAsOf({ schema, executor, cookie: String(v2) })
    expect(plain(past)).toEqual({
      todos: { t1: { id: "t1", title: "one", done: true, userId: "u1", updatedAt: 5 }, t2: { id: "t2", title: "two", done: false, userId: "u2", updatedAt: 6 } },
      users: {},
    })
    const now = await snapshotAsOf({ schema, executor, cookie: encodeCookie(await headVersion(executor)) })
    expect(plain(now)).toEqual({ todos: { t1: { id: "t1", title: "ONE", done: true, userId: "u1", updatedAt: 5 } }, users: {} })
  })

  it("pages through more rows than one page holds", async () => {
    const { executor, database } = await openSqlite()
    const insert = database.prepare("INSERT INTO users (id, name) VALUES (?, ?)")
    database.transaction(() => {
      for (let i = 0; i < 4500; i++) insert.run(`u${String(i).padStart(5, "0")}`, `n${i}`)
    })()
    database.prepare("UPDATE users SET name = 'renamed' WHERE id = 'u02000'").run()
    const snap = await snapshotAsOf({ schema, executor, cookie: 4500 })
    expect(snap.get("users")?.size).toBe(4500)
    expect(snap.get("users")?.get("u02000")?.name).toBe("n2000")
    expect((await snapshotAsOf({ schema, executor, cookie: 4501 })).get("users")?.get("u02000")?.name).toBe("renamed")
  })

  it("refuses garbage cookies with invalid-request and versions below the floor with version-compacted", async () => {
    const { executor } = await openSqlite()
    for (const cookie of [-1, Number.NaN, 1.5, "abc", "", "12x", "c1:garbage", Number.MAX_SAFE_INTEGER + 1] as const) {
      await expect(snapshotAsOf({ schema, executor, cookie })).rejects.toSatisfy((e: unknown) => isPlasmaError(e, "invalid-request"))
    }
    await executor.run(raiseFloorStatement(10))
    const error = await snapshotAsOf({ schema, executor, cookie: 9 }).catch((e: unknown) => e)
    expect(isPlasmaError(error, "version-compacted")).toBe(true)
    expect((error as Error).message).toContain("compacted up to 10")
    await expect(snapshotAsOf({ schema, executor, cookie: 10 })).resolves.toBeInstanceOf(Map)
  })

  it("the page query walks the (table_name, row_id, row_version) index and joins by primary key", async () => {
    const { database } = await openSqlite()
    const plan = database.prepare(`EXPLAIN QUERY PLAN ${SNAPSHOT_PAGE_SQL}`).all("todos", "", 1, 10) as { detail: string }[]
    const text = plan.map((p) => p.detail).join("\n")
    expect(text).toContain("USING COVERING INDEX _plasma_changes_row_idx (table_name=? AND row_id>?)")
    expect(text).toContain("USING INTEGER PRIMARY KEY (rowid=?)")
    expect(text).not.toMatch(/TEMP B-TREE/)
  })
})

async function checkEveryVersion(executor: SqlExecutor, ops: Parameters<typeof runHistory>[1]): Promise<void> {
  const { history } = await runHistory(executor, ops)
  const head = history.versions[history.versions.length - 1] as number
  const first = history.versions[0] as number
  for (let v = first; v <= head + 1; v++) {
    expect(plain(await snapshotAsOf({ schema, executor, cookie: v }))).toEqual(plain(history.at(v)))
  }
}

describe("snapshotAsOf property: equals the state recorded at every version", () => {
  it("better-sqlite3", async () => {
    await fc.assert(
      fc.asyncProperty(historyArb(30), async (ops) => {
        const { executor } = await openSqlite()
        await checkEveryVersion(executor, ops)
      }),
      { numRuns: 60 },
    )
  })

  describe("D1 in workerd", () => {
    let d1: Awaited<ReturnType<typeof openD1>>
    beforeAll(async () => {
      d1 = await openD1()
    })
    afterAll(async () => {
      await d1.dispose()
    })
    it("a smaller number of runs", async () => {
      await fc.assert(
        fc.asyncProperty(historyArb(12), async (ops) => {
          await d1.wipe()
          await checkEveryVersion(d1.executor, ops)
        }),
        { numRuns: 8 },
      )
    })
  })

  // Skips (with one message from postgresTestUrl's callers) when PLASMA_PG_URL is unset; never in CI.
  describe.skipIf(postgresTestUrl() === null)("PostgreSQL", () => {
    let pg: Awaited<ReturnType<typeof openPostgres>>
    beforeAll(async () => {
      pg = await openPostgres()
    })
    afterAll(async () => {
      await pg.dispose()
    })
    it("as many runs as better-sqlite3 gets", { timeout: 180_000 }, async () => {
      await fc.assert(
        fc.asyncProperty(historyArb(30), async (ops) => {
          await pg.wipe()
          await checkEveryVersion(pg.executor, ops)
        }),
        { numRuns: 30 },
      )
    })
  })
})
