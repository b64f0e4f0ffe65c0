import Database from "better-sqlite3"
import { describe, expect, it, vi } from "vitest"
import { fromBetterSqlite3 } from "./better-sqlite3.js"
import { describeExecutorConformance } from "./conformance/executor-conformance.js"
import { isExecutorError } from "./executor-error.js"
import { createBetterSqlite3 } from "./testing.js"

describeExecutorConformance("better-sqlite3", () => createBetterSqlite3())

describe("fromBetterSqlite3", () => {
  it("turns foreign keys on for the connection", () => {
    const database = new Database(":memory:")
    database.pragma("foreign_keys = OFF")
    fromBetterSqlite3(database)
    expect(database.pragma("foreign_keys", { simple: true })).toBe(1)
    database.close()
  })

  it("prepares each SQL text once and evicts the least recently used statement", async () => {
    const database = new Database(":memory:")
    const prepare = vi.spyOn(database, "prepare")
    const executor = fromBetterSqlite3(database, { statementCacheSize: 2 })
    const a = { text: "SELECT 1 AS a", params: [] }
    const b = { text: "SELECT 2 AS b", params: [] }
    const c = { text: "SELECT 3 AS c", params: [] }
    await executor.all(a)
    await executor.all(a)
    await executor.all(b)
    expect(prepare).toHaveBeenCalledTimes(2)
    await executor.all(a) // a is now most recent, b least
    await executor.all(c) // evicts b
    expect(prepare).toHaveBeenCalledTimes(3)
    await executor.all(a)
    expect(prepare).toHaveBeenCalledTimes(3)
    await executor.all(b)
    expect(prepare).toHaveBeenCalledTimes(4)
    database.close()
  })

  it("keeps the driver's SqliteError as cause", async () => {
    const { executor, dispose } = await createBetterSqlite3()
    await executor.run({ text: "CREATE TABLE u (v TEXT UNIQUE)", params: [] })
    await executor.run({ text: "INSERT INTO u VALUES (?)", params: ["x"] })
    const error: unknown = await executor.run({ text: "INSERT INTO u VALUES (?)", params: ["x"] }).catch((e: unknown) => e)
    expect(isExecutorError(error, "constraint-violation")).toBe(true)
    expect((error as Error).cause).toBeInstanceOf(Database.SqliteError)
    expect(((error as Error).cause as { code: string }).code).toBe("SQLITE_CONSTRAINT_UNIQUE")
    dispose()
  })

  it("reports a value it cannot bind as invalid-parameter", async () => {
    const { executor, dispose } = await createBetterSqlite3()
    const error: unknown = await executor.all({ text: "SELECT ? AS v", params: [Symbol("x")] }).catch((e: unknown) => e)
    expect(isExecutorError(error, "invalid-parameter")).toBe(true)
    dispose()
  })

  it("does not copy params that need no normalising", async () => {
    const database = new Database(":memory:")
    const executor = fromBetterSqlite3(database)
    const statement = database.prepare("SELECT ? AS v")
    const all = vi.spyOn(statement, "all")
    vi.spyOn(database, "prepare").mockReturnValue(statement)
    const params = [1]
    await executor.all({ text: "SELECT ? AS v", params })
    expect(all.mock.calls[0]?.[0]).toBe(params)
    await executor.all({ text: "SELECT ? AS v", params: [true] })
    expect(all.mock.calls[1]?.[0]).toEqual([1])
    database.close()
  })

  it("serialises two transactions on the same executor", async () => {
    const { executor, dispose } = await createBetterSqlite3()
    await executor.run({ text: "CREATE TABLE c (n INTEGER)", params: [] })
    await executor.run({ text: "INSERT INTO c VALUES (0)", params: [] })
    const increment = () =>
      executor.transaction(async (tx) => {
        const [row] = await tx.all<{ n: number }>({ text: "SELECT n FROM c", params: [] })
        await new Promise((resolve) => setTimeout(resolve, 1))
        await tx.run({ text: "UPDATE c SET n = ?", params: [(row?.n ?? 0) + 1] })
      })
    await Promise.all(Array.from({ length: 20 }, increment))
    expect(await executor.all({ text: "SELECT n FROM c", params: [] })).toEqual([{ n: 20 }])
    dispose()
  })
})
