import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { describeExecutorConformance } from "./conformance/executor-conformance.js"
import { isExecutorError, isTransientExecutorError } from "./executor-error.js"
import { fromPostgres } from "./postgres.js"
import { toExecutorErrorFromPostgres } from "./postgres-error.js"
import { createPostgres, POSTGRES_SKIP_MESSAGE, postgresTestUrl, type PostgresFixture } from "./postgres-testing.js"

const url = postgresTestUrl()
if (url === null) console.warn(POSTGRES_SKIP_MESSAGE)

describe("toExecutorErrorFromPostgres", () => {
  const pgError = (code: string, constraint?: string) => Object.assign(new Error(`pg ${code}`), { code, constraint })

  it("maps SQLSTATEs to the closed code set", () => {
    expect(toExecutorErrorFromPostgres(pgError("23505", "t_v_key"))).toMatchObject({ code: "constraint-violation", constraint: "t_v_key" })
    expect(toExecutorErrorFromPostgres(pgError("23503", "c_p_fkey")).constraint).toBe("c_p_fkey")
    expect(toExecutorErrorFromPostgres(pgError("23514", "plasma_guard")).constraint).toBe("plasma_guard")
    expect(toExecutorErrorFromPostgres(pgError("40001")).code).toBe("busy")
    expect(toExecutorErrorFromPostgres(pgError("40P01")).code).toBe("busy")
    expect(isTransientExecutorError(toExecutorErrorFromPostgres(pgError("40001")))).toBe(true)
    expect(toExecutorErrorFromPostgres(pgError("08006")).code).toBe("unavailable")
    expect(toExecutorErrorFromPostgres(pgError("57P01")).code).toBe("unavailable")
    expect(toExecutorErrorFromPostgres(pgError("22P02")).code).toBe("invalid-parameter")
    expect(toExecutorErrorFromPostgres(pgError("42601")).code).toBe("query-failed")
    expect(toExecutorErrorFromPostgres(pgError("42601")).details).toEqual({ sqlState: "42601" })
  })

  it("maps node-postgres's connection errors (no SQLSTATE) to unavailable", () => {
    expect(toExecutorErrorFromPostgres(Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" })).code).toBe("unavailable")
    expect(toExecutorErrorFromPostgres(new Error("Connection terminated unexpectedly")).code).toBe("unavailable")
  })
})

describe.skipIf(url === null)("fromPostgres", () => {
  describeExecutorConformance("postgres", () => createPostgres())

  let fixture: PostgresFixture
  beforeAll(async () => {
    fixture = await createPostgres()
  })
  afterAll(async () => {
    await fixture?.dispose()
  })

  it("declares the postgres dialect with interactive transactions", () => {
    expect(fixture.executor.dialect.name).toBe("postgres")
    expect(fixture.executor.capabilities.interactiveTransactions).toBe(true)
  })

  it("reads json/jsonb as text, bigint as a number, booleans as 1/0", async () => {
    const [row] = await fixture.executor.all<Record<string, unknown>>({
      text: `SELECT '{"a":1}'::jsonb AS j, '[1]'::json AS k, 9007199254740991::bigint AS big, 9007199254740993::bigint AS huge, true AS yes, 2.5::numeric AS num`,
      params: [],
    })
    expect(row).toEqual({ j: '{"a": 1}', k: "[1]", big: 9007199254740991, huge: 9007199254740993n, yes: 1, num: 2.5 })
  })

  it("binds booleans into boolean and integer columns alike", async () => {
    const { executor } = fixture
    await executor.run({ text: "CREATE TABLE flags (b BOOLEAN, i INTEGER)", params: [] })
    await executor.run({ text: "INSERT INTO flags (b, i) VALUES (?, ?), (?, ?)", params: [true, true, false, false] })
    expect(await executor.all({ text: "SELECT b, i FROM flags WHERE b = ? ORDER BY i", params: [true] })).toEqual([{ b: 1, i: 1 }])
  })

  it("names unique and foreign-key constraints in constraint-violation", async () => {
    const { executor } = fixture
    await executor.batch([
      { text: "CREATE TABLE p (id INTEGER PRIMARY KEY)", params: [] },
      { text: 'CREATE TABLE c (id INTEGER PRIMARY KEY, "parentId" INTEGER CONSTRAINT c_parent REFERENCES p (id))', params: [] },
    ])
    const fk: unknown = await executor.run({ text: 'INSERT INTO c (id, "parentId") VALUES (?, ?)', params: [1, 9] }).catch((e: unknown) => e)
    expect(isExecutorError(fk, "constraint-violation")).toBe(true)
    expect((fk as { constraint: string }).constraint).toBe("c_parent")
    await executor.run({ text: "INSERT INTO p (id) VALUES (?)", params: [1] })
    const pk: unknown = await executor.run({ text: "INSERT INTO p (id) VALUES (?)", params: [1] }).catch((e: unknown) => e)
    expect((pk as { constraint: string }).constraint).toBe("p_pkey")
  })

  it("reports a serialization failure between two real transactions as busy, and the loser's writes roll back", async () => {
    const { executor } = fixture
    await executor.run({ text: "CREATE TABLE counter (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)", params: [] })
    await executor.run({ text: "INSERT INTO counter (id, n) VALUES (1, 0)", params: [] })
    let bothRead: () => void = () => {}
    let reads = 0
    const barrier = new Promise<void>((resolve) => {
      bothRead = resolve
    })
    const increment = () =>
      executor.transaction(async (tx) => {
        const [row] = await tx.all<{ n: number }>({ text: "SELECT n FROM counter WHERE id = 1", params: [] })
        if (++reads === 2) bothRead()
        await barrier
        await tx.run({ text: "UPDATE counter SET n = ? WHERE id = 1", params: [(row?.n ?? 0) + 1] })
      })
    const results = await Promise.allSettled([increment(), increment()])
    const rejected = results.filter((r): r is PromiseRejectedResult => r.status === "rejected")
    expect(rejected).toHaveLength(1)
    expect(isTransientExecutorError(rejected[0]?.reason)).toBe(true)
    expect((rejected[0]?.reason as { code: string }).code).toBe("busy")
    expect(await executor.all({ text: "SELECT n FROM counter", params: [] })).toEqual([{ n: 1 }])
  })

  it("reports an unreachable server as unavailable", async () => {
    const { default: pg } = await import("pg")
    const pool = new pg.Pool({ connectionString: "postgres://postgres@127.0.0.1:1/postgres", connectionTimeoutMillis: 2000 })
    const error: unknown = await fromPostgres(pool).all({ text: "SELECT 1", params: [] }).catch((e: unknown) => e)
    expect(isExecutorError(error, "unavailable")).toBe(true)
    await pool.end()
  })

  it("returns a connection to the pool after a failed transaction (no leak)", async () => {
    const { default: pg } = await import("pg")
    const pool = fixture.newPool() as InstanceType<typeof pg.Pool>
    const executor = fromPostgres(pool)
    for (let i = 0; i < 5; i++) {
      await executor.transaction(async (tx) => tx.all({ text: "SELEC 1", params: [] })).catch(() => undefined)
    }
    expect(await executor.all({ text: "SELECT 1 AS one", params: [] })).toEqual([{ one: 1 }])
    expect(pool.totalCount - pool.idleCount).toBe(0)
  })
})
