/**
 * The executor conformance suite, written once and run by every `SqlExecutor` implementation
 * (better-sqlite3, D1 through Miniflare, Postgres through node-postgres). The few statements the
 * dialects spell differently live in `conformance-sql.ts`; everything else is one text.
 *
 * The factory is called once per suite (starting workerd per test would be slow); every test
 * uses its own tables, so tests do not depend on each other's data or order.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { isExecutorError, type ExecutorError } from "../executor-error.js"
import { conformanceSqlFor, type ConformanceSql } from "./conformance-sql.js"
import type { SqlExecutor } from "../sql-executor.js"

/** What the conformance suite needs from an implementation under test. */
export interface ExecutorConformanceSubject {
  readonly executor: SqlExecutor
  dispose(): Promise<void> | void
}

/** Creates a fresh executor over an empty database. */
export type ExecutorConformanceFactory = () => Promise<ExecutorConformanceSubject>

async function rejection(promise: Promise<unknown>): Promise<ExecutorError> {
  try {
    await promise
  } catch (error) {
    expect(isExecutorError(error), `expected an ExecutorError, got ${String(error)}`).toBe(true)
    return error as ExecutorError
  }
  throw new Error("expected the promise to reject, but it resolved")
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}

/**
 * Registers the shared executor conformance tests (vitest `describe`/`it`) for one
 * implementation.
 *
 * @example
 * ```ts
 * import { describeExecutorConformance, createBetterSqlite3 } from "@plasma/executors/testing"
 *
 * describeExecutorConformance("better-sqlite3", () => createBetterSqlite3())
 * ```
 */
export function describeExecutorConformance(name: string, factory: ExecutorConformanceFactory): void {
  describe(`SqlExecutor conformance: ${name}`, () => {
    let subject: ExecutorConformanceSubject | undefined
    const db = (): SqlExecutor => {
      if (subject === undefined) throw new Error("conformance factory did not run")
      return subject.executor
    }
    const sql = (): ConformanceSql => conformanceSqlFor(db().dialect)
    const count = async (table: string): Promise<number> => {
      const rows = await db().all<{ n: number }>({ text: `SELECT COUNT(*) AS n FROM ${table}`, params: [] })
      return rows[0]?.n ?? -1
    }

    beforeAll(async () => {
      subject = await factory()
    })
    afterAll(async () => {
      await subject?.dispose()
    })

    it("declares coherent capabilities and a dialect", () => {
      const { capabilities, dialect } = db()
      expect(typeof capabilities.interactiveTransactions).toBe("boolean")
      expect(capabilities.maxBoundParameters).toBeGreaterThanOrEqual(100)
      expect(capabilities.maxBatchStatements).toBeGreaterThanOrEqual(300)
      expect(dialect.quoteIdentifier('a"b')).toBe('"a""b"')
    })

    it("round-trips every parameter type through all/run", async () => {
      await db().run({ text: sql().createTypes, params: [] })
      const bytes = new Uint8Array([0, 1, 127, 128, 255])
      const inserted = await db().run({
        text: "INSERT INTO types (id, n, i, r, s, b, e, t, f, u) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        params: [1, null, -42, 1.5, "héllo \u{1F600} 'quoted'", bytes, new Uint8Array(0), true, false, undefined],
      })
      expect(inserted.changes).toBe(1)
      const rows = await db().all<Record<string, unknown>>({
        text: sql().selectTypes,
        params: [1],
      })
      expect(rows).toHaveLength(1)
      const row = rows[0] ?? {}
      expect(row.n).toBeNull()
      expect(row.i).toBe(-42)
      expect(row.r).toBe(1.5)
      expect(row.s).toBe("héllo \u{1F600} 'quoted'")
      expect(row.b).toBeInstanceOf(Uint8Array)
      expect(Array.from(row.b as Uint8Array)).toEqual([0, 1, 127, 128, 255])
      expect(row.e).toBeInstanceOf(Uint8Array)
      expect((row.e as Uint8Array).byteLength).toBe(0)
      expect(row.t).toBe(1)
      expect(row.f).toBe(0)
      expect(row.u).toBeNull()
      expect([row.ti, row.tr, row.tb, row.tt, row.tu]).toEqual(sql().expectedTypes)
      // A Uint8Array view into a larger buffer binds only its own bytes.
      const view = new Uint8Array([9, 8, 7, 6]).subarray(1, 3)
      const [viewRow] = await db().all<{ v: Uint8Array }>({ text: sql().selectBytes, params: [view] })
      expect(Array.from(viewRow?.v ?? [])).toEqual([8, 7])
    })

    it("binds parameters and never splices them into the SQL", async () => {
      await db().run({ text: "CREATE TABLE inj (id INTEGER PRIMARY KEY, v TEXT)", params: [] })
      const evil = "'); DROP TABLE inj; --"
      await db().run({ text: "INSERT INTO inj (id, v) VALUES (?, ?)", params: [1, evil] })
      await db().run({ text: "INSERT INTO inj (id, v) VALUES (?, ?)", params: [2, "what? ?1 :x $y $1"] })
      const rows = await db().all<{ v: string }>({ text: "SELECT v FROM inj ORDER BY id", params: [] })
      expect(rows.map((r) => r.v)).toEqual([evil, "what? ?1 :x $y $1"])
      const found = await db().all({ text: "SELECT v FROM inj WHERE v = ?", params: [evil] })
      expect(found).toHaveLength(1)
    })

    it("reports changes and lastInsertRowid from run", async () => {
      await db().run({ text: `CREATE TABLE counts (${sql().autoId}, v INTEGER)`, params: [] })
      const first = await db().run({ text: "INSERT INTO counts (v) VALUES (?), (?), (?)", params: [1, 2, 3] })
      expect(first.changes).toBe(3)
      expect(first.lastInsertRowid).toBe(sql().lastInsertRowid(3))
      const updated = await db().run({ text: "UPDATE counts SET v = v + 10 WHERE v >= ?", params: [2] })
      expect(updated.changes).toBe(2)
      const none = await db().run({ text: "DELETE FROM counts WHERE v = ?", params: [999] })
      expect(none.changes).toBe(0)
      const rows = await db().all<{ v: number }>({ text: "SELECT v FROM counts ORDER BY id", params: [] })
      expect(rows.map((r) => r.v)).toEqual([1, 12, 13])
    })

    it("all() on a write without RETURNING applies it and returns no rows", async () => {
      await db().run({ text: "CREATE TABLE allwrite (v INTEGER)", params: [] })
      const rows = await db().all({ text: "INSERT INTO allwrite (v) VALUES (?)", params: [7] })
      expect(rows).toEqual([])
      expect(await count("allwrite")).toBe(1)
    })

    it("runs a batch atomically: a failing third statement rolls back the first two", async () => {
      await db().run({ text: "CREATE TABLE atomic (k TEXT PRIMARY KEY)", params: [] })
      await db().run({ text: "INSERT INTO atomic (k) VALUES (?)", params: ["taken"] })
      const error = await rejection(
        db().batch([
          { text: "INSERT INTO atomic (k) VALUES (?)", params: ["a"] },
          { text: "INSERT INTO atomic (k) VALUES (?)", params: ["b"] },
          { text: "INSERT INTO atomic (k) VALUES (?)", params: ["taken"] },
        ]),
      )
      expect(error.code).toBe("constraint-violation")
      expect(error.cause).toBeDefined()
      const rows = await db().all<{ k: string }>({ text: "SELECT k FROM atomic ORDER BY k", params: [] })
      expect(rows.map((r) => r.k)).toEqual(["taken"])
    })

    it("returns rows and counts for each statement of a batch", async () => {
      await db().run({ text: `CREATE TABLE mixed (${sql().autoId}, v TEXT)`, params: [] })
      const results = await db().batch([
        { text: "INSERT INTO mixed (v) VALUES (?), (?)", params: ["x", "y"] },
        { text: "SELECT COUNT(*) AS n FROM mixed", params: [] },
        { text: "UPDATE mixed SET v = ? WHERE v = ?", params: ["z", "y"] },
        { text: "INSERT INTO mixed (v) VALUES (?) RETURNING id, v", params: ["w"] },
        { text: "SELECT v FROM mixed ORDER BY id", params: [] },
      ])
      expect(results).toHaveLength(5)
      expect(results[0]?.changes).toBe(2)
      expect(results[0]?.rows).toEqual([])
      expect(results[1]?.rows).toEqual([{ n: 2 }])
      expect(results[2]?.changes).toBe(1)
      expect(results[3]?.rows).toEqual([{ id: 3, v: "w" }])
      expect(results[3]?.changes).toBe(1)
      expect(results[4]?.rows).toEqual([{ v: "x" }, { v: "z" }, { v: "w" }])
    })

    it("names a failing CHECK constraint (plasma_guard) in a constraint-violation and rolls back", async () => {
      await db().run({ text: "CREATE TABLE g (ok INTEGER NOT NULL CONSTRAINT plasma_guard CHECK (ok = 1))", params: [] })
      await db().run({ text: "CREATE TABLE guarded (v INTEGER)", params: [] })
      // A guard whose condition is false inserts nothing and lets the batch commit.
      await db().batch([
        { text: "INSERT INTO guarded (v) VALUES (?)", params: [1] },
        { text: "INSERT INTO g (ok) SELECT 0 WHERE ?", params: [0] },
      ])
      expect(await count("guarded")).toBe(1)
      const error = await rejection(
        db().batch([
          { text: "INSERT INTO guarded (v) VALUES (?)", params: [2] },
          { text: "INSERT INTO g (ok) SELECT 0 WHERE 1 = 1", params: [] },
        ]),
      )
      expect(error.code).toBe("constraint-violation")
      expect(error.message).toContain("plasma_guard")
      expect(error.constraint).toBe("plasma_guard")
      expect(await count("guarded")).toBe(1)
      expect(await count("g")).toBe(0)
      // The same outside a batch.
      const single = await rejection(db().run({ text: "INSERT INTO g (ok) VALUES (?)", params: [0] }))
      expect(single.code).toBe("constraint-violation")
      expect(single.message).toContain("plasma_guard")
    })

    it("maps a UNIQUE failure outside a batch to constraint-violation and other failures to query-failed", async () => {
      await db().run({ text: "CREATE TABLE uniq (v TEXT UNIQUE)", params: [] })
      await db().run({ text: "INSERT INTO uniq (v) VALUES (?)", params: ["a"] })
      const unique = await rejection(db().run({ text: "INSERT INTO uniq (v) VALUES (?)", params: ["a"] }))
      expect(unique.code).toBe("constraint-violation")
      expect(unique.message).toMatch(sql().uniqueMessage)
      const syntax = await rejection(db().all({ text: "SELEC 1", params: [] }))
      expect(syntax.code).toBe("query-failed")
      expect(syntax.message).toMatch(/syntax error/)
      expect(syntax.cause).toBeDefined()
      const missing = await rejection(db().all({ text: "SELECT * FROM no_such_table", params: [] }))
      expect(missing.code).toBe("query-failed")
      expect(missing.message).toContain("no_such_table")
    })

    it("runs triggers, AUTOINCREMENT and json_object", async () => {
      await db().batch(sql().createTriggeredTables)
      await db().run({ text: "INSERT INTO items (id, title) VALUES (?, ?)", params: [1, "one"] })
      await db().run({ text: "INSERT INTO items (id, title) VALUES (?, ?)", params: [2, "two"] })
      // AUTOINCREMENT never reuses a deleted highest id; a plain rowid table would hand out 2 again.
      await db().run({ text: "DELETE FROM item_log WHERE v = ?", params: [2] })
      const insert = await db().run({ text: "INSERT INTO items (id, title) VALUES (?, ?)", params: [3, "three"] })
      // changes counts the statement's own rows, never the trigger's.
      expect(insert.changes).toBe(1)
      const [batched] = await db().batch([
        { text: "INSERT INTO items (id, title) VALUES (?, ?)", params: [4, "four"] },
      ])
      expect(batched?.changes).toBe(1)
      await db().run({ text: "DELETE FROM item_log WHERE v = ?", params: [4] })
      const log = await db().all<{ v: number; payload: string }>({
        text: "SELECT v, payload FROM item_log ORDER BY v",
        params: [],
      })
      expect(log.map((r) => r.v)).toEqual([1, 3])
      expect(log.map((r) => JSON.parse(r.payload) as unknown)).toEqual([
        { id: 1, title: "one" },
        { id: 3, title: "three" },
      ])
    })

    it("enforces foreign keys with ON DELETE CASCADE", async () => {
      await db().batch([
        { text: "CREATE TABLE parents (id INTEGER PRIMARY KEY)", params: [] },
        {
          text: "CREATE TABLE children (id INTEGER PRIMARY KEY, parent_id INTEGER NOT NULL REFERENCES parents (id) ON DELETE CASCADE)",
          params: [],
        },
      ])
      await db().batch([
        { text: "INSERT INTO parents (id) VALUES (?), (?)", params: [1, 2] },
        { text: "INSERT INTO children (id, parent_id) VALUES (?, ?), (?, ?), (?, ?)", params: [10, 1, 11, 1, 20, 2] },
      ])
      const orphan = await rejection(
        db().run({ text: "INSERT INTO children (id, parent_id) VALUES (?, ?)", params: [30, 99] }),
      )
      expect(orphan.code).toBe("constraint-violation")
      expect(orphan.message).toMatch(sql().foreignKeyMessage)
      const deleted = await db().run({ text: "DELETE FROM parents WHERE id = ?", params: [1] })
      expect(deleted.changes).toBe(1)
      const rows = await db().all<{ id: number }>({ text: "SELECT id FROM children ORDER BY id", params: [] })
      expect(rows.map((r) => r.id)).toEqual([20])
    })

    it("runs 300 statements in one batch", async () => {
      await db().run({ text: "CREATE TABLE many (v INTEGER)", params: [] })
      const queries = Array.from({ length: 300 }, (_, i) => ({ text: "INSERT INTO many (v) VALUES (?)", params: [i] }))
      const results = await db().batch(queries)
      expect(results).toHaveLength(300)
      expect(results.every((r) => r.changes === 1)).toBe(true)
      const [sum] = await db().all<{ n: number; s: number }>({ text: "SELECT COUNT(*) AS n, SUM(v) AS s FROM many", params: [] })
      expect(sum).toEqual({ n: 300, s: (299 * 300) / 2 })
    })

    it("binds 100 parameters in one statement", async () => {
      const params = Array.from({ length: 100 }, (_, i) => i * 2)
      const rows = await db().all<{ n: number; s: number }>({ text: sql().sumOfParams(params.length), params })
      expect(rows).toEqual([{ n: 100, s: 9900 }])
      await db().run({ text: "CREATE TABLE wide (v INTEGER)", params: [] })
      const insert = await db().run({
        text: `INSERT INTO wide (v) VALUES ${params.map(() => "(?)").join(", ")}`,
        params,
      })
      expect(insert.changes).toBe(100)
    })

    it("returns [] for an empty batch", async () => {
      expect(await db().batch([])).toEqual([])
    })

    it("executes a compiled Kysely select through executor.kysely and through all()", async () => {
      await db().run({ text: "CREATE TABLE ky (id INTEGER PRIMARY KEY, name TEXT)", params: [] })
      await db().run({ text: "INSERT INTO ky (id, name) VALUES (?, ?), (?, ?)", params: [1, "ada", 2, "bob"] })
      const query = db().kysely.selectFrom("ky").select(["id", "name"]).where("name", "=", "bob")
      expect(await query.execute()).toEqual([{ id: 2, name: "bob" }])
      const compiled = query.compile()
      expect(compiled.sql).toContain(sql().compiledPlaceholder)
      expect(await db().all({ text: compiled.sql, params: compiled.parameters })).toEqual([{ id: 2, name: "bob" }])
    })

    it("commits, rolls back, or refuses transaction(fn) as its capabilities say", async () => {
      await db().run({ text: "CREATE TABLE txt (v INTEGER)", params: [] })
      if (!db().capabilities.interactiveTransactions) {
        const error = await rejection(db().transaction(async () => "never"))
        expect(error.code).toBe("unsupported")
        expect(error.message).toContain("batch()")
        return
      }
      const value = await db().transaction(async (tx) => {
        await tx.run({ text: "INSERT INTO txt (v) VALUES (?)", params: [1] })
        // A transaction reads its own writes.
        const rows = await tx.all<{ n: number }>({ text: "SELECT COUNT(*) AS n FROM txt", params: [] })
        return rows[0]?.n
      })
      expect(value).toBe(1)
      expect(await count("txt")).toBe(1)
      const boom = new Error("boom")
      await expect(
        db().transaction(async (tx) => {
          await tx.run({ text: "INSERT INTO txt (v) VALUES (?)", params: [2] })
          throw boom
        }),
      ).rejects.toBe(boom)
      expect(await count("txt")).toBe(1)
    })

    it("keeps calls made during an open transaction out of it (SQLite: they wait for it)", async () => {
      if (!db().capabilities.interactiveTransactions) return
      await db().run({ text: "CREATE TABLE waits (v TEXT)", params: [] })
      const order: string[] = []
      let resolveStarted: () => void = () => {}
      const started = new Promise<void>((resolve) => {
        resolveStarted = resolve
      })
      const failed = db().transaction(async (tx) => {
        await tx.run({ text: "INSERT INTO waits (v) VALUES (?)", params: ["tx-1"] })
        order.push("tx-1")
        resolveStarted()
        await sleep(30)
        await tx.run({ text: "INSERT INTO waits (v) VALUES (?)", params: ["tx-2"] })
        order.push("tx-2")
        throw new Error("roll back")
      })
      await started
      // Issued while the transaction is open: must neither run inside it nor be rolled back with it.
      const outside = db()
        .run({ text: "INSERT INTO waits (v) VALUES (?)", params: ["outside"] })
        .then(() => order.push("outside"))
      const outsideBatch = db()
        .batch([{ text: "INSERT INTO waits (v) VALUES (?)", params: ["outside-batch"] }])
        .then(() => order.push("outside-batch"))
      await expect(failed).rejects.toThrow("roll back")
      await Promise.all([outside, outsideBatch])
      // One connection (SQLite) makes them wait; a pool (Postgres) runs them beside it.
      if (sql().callsWaitForTransactions) expect(order).toEqual(["tx-1", "tx-2", "outside", "outside-batch"])
      else expect(order.filter((step) => step.startsWith("tx-"))).toEqual(["tx-1", "tx-2"])
      const rows = await db().all<{ v: string }>({ text: "SELECT v FROM waits ORDER BY v", params: [] })
      expect(rows.map((r) => r.v)).toEqual(["outside", "outside-batch"])
    })

    it("refuses a transaction handle used after the transaction settled", async () => {
      if (!db().capabilities.interactiveTransactions) return
      let leaked: Parameters<Parameters<SqlExecutor["transaction"]>[0]>[0] | undefined
      await db().transaction(async (tx) => {
        leaked = tx
      })
      const error = await rejection(leaked?.all({ text: "SELECT 1", params: [] }) ?? Promise.resolve())
      expect(error.code).toBe("transaction-closed")
    })
  })
}
