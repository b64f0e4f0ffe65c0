/**
 * SPEC §6, §7.1, §7.5, §7.6 and §15 on a real PostgreSQL server: the schema plasma creates, the
 * PL/pgSQL change capture (raw SQL, cascades, set-nulls, id changes, blob refs all logged), and
 * row-version order = commit order under interleaved slow and fast commits.
 */
import { createPostgres, POSTGRES_SKIP_MESSAGE, postgresTestUrl, type PostgresFixture } from "@plasma/executors/testing"
import type { SqlExecutor, SqlTransaction } from "@plasma/executors"
import { afterEach, describe, expect, it } from "vitest"
import { fileRef, schema } from "../testing/fixture-schema.js"
import { blobRefs, changeKeys, changeRows, orphanMarks, seedBlobs } from "../testing/inspect.js"
import { INTERNAL_TABLES_DDL } from "./internal-tables.js"
import { ensureSchema } from "./migrations.js"
import { POSTGRES_WRITE_PATH_LOGS_KEY } from "./postgres-ddl.js"
import { POSTGRES_ABSENT_INTERNAL_TABLES, POSTGRES_INTERNAL_TABLES_DDL, POSTGRES_ORIGIN_SETTINGS } from "./postgres-internal-tables.js"

const tableNames = (ddl: readonly string[]): string[] =>
  ddl.flatMap((text) => [.../CREATE TABLE IF NOT EXISTS (\w+)/.exec(text)?.slice(1) ?? []]).sort()

describe("Postgres internal tables", () => {
  it("has every internal table of the SQLite form (but the origin row, replaced by settings)", () => {
    const sqlite = tableNames(INTERNAL_TABLES_DDL).filter((name) => !POSTGRES_ABSENT_INTERNAL_TABLES.includes(name))
    expect(tableNames(POSTGRES_INTERNAL_TABLES_DDL)).toEqual(sqlite)
  })
})

const url = postgresTestUrl()
if (url === null) console.warn(POSTGRES_SKIP_MESSAGE)

describe.skipIf(url === null)("Postgres schema and change capture", () => {
  const fixtures: PostgresFixture[] = []
  afterEach(async () => {
    for (const f of fixtures.splice(0)) await f.dispose()
  })
  const open = async (): Promise<PostgresFixture> => {
    const fixture = await createPostgres({ max: 30 })
    fixtures.push(fixture)
    await ensureSchema({ schema, executor: fixture.executor })
    return fixture
  }
  const sql = (executor: SqlExecutor | SqlTransaction, text: string, ...params: unknown[]) => executor.run({ text, params })

  it("creates the schema's tables with quoted names, so ownerId keeps its case", async () => {
    const { executor } = await open()
    const columns = await executor.all<{ name: string; type: string }>({
      text: "SELECT column_name AS name, data_type AS type FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = 'todos' ORDER BY ordinal_position",
      params: [],
    })
    expect(columns).toEqual([
      { name: "id", type: "text" },
      { name: "title", type: "text" },
      { name: "done", type: "integer" },
      { name: "ownerId", type: "text" },
      { name: "attachment", type: "jsonb" },
      { name: "updatedAt", type: "bigint" },
    ])
    const [log] = await executor.all<{ v: string; j: string }>({
      text: "SELECT format_type(atttypid, atttypmod) AS v FROM pg_attribute WHERE attrelid = '_plasma_changes'::regclass AND attname IN ('row_version', 'value') ORDER BY attnum",
      params: [],
    })
    expect(log?.v).toBe("bigint")
  })

  it("logs raw SQL inserts, updates and deletes with the full row in wire form", async () => {
    const { executor } = await open()
    await sql(
      executor,
      'INSERT INTO kinds (id, t, i, r, big, flag, doc, bytes, doc2, maybe) VALUES (?, ?, ?, ?, ?, ?, ?, ?::bytea, NULL, NULL)',
      "k1", "héllo", 42, 1.5, "9007199254740993", true, JSON.stringify({ a: [1, { b: null }] }), new Uint8Array([0, 171, 255]),
    )
    await sql(executor, "UPDATE kinds SET flag = 0, maybe = ? WHERE id = ?", "now", "k1")
    await sql(executor, "DELETE FROM kinds WHERE id = ?", "k1")
    const rows = await changeRows(executor)
    expect(rows.map((r) => [r.table_name, r.row_id, r.op])).toEqual([
      ["kinds", "k1", "put"],
      ["kinds", "k1", "put"],
      ["kinds", "k1", "del"],
    ])
    expect(rows[0]?.value).toEqual({
      id: "k1", t: "héllo", i: 42, r: 1.5, big: "9007199254740993", flag: true, doc: { a: [1, { b: null }] }, bytes: "00abff", doc2: null, maybe: null,
    })
    expect(rows[1]?.value).toMatchObject({ flag: false, maybe: "now" })
    expect(rows[2]?.value).toBeNull()
    // Server-side writes carry no origin; versions rise by one per row.
    expect(rows.map((r) => [r.client_group_id, r.client_id, r.mutation_id])).toEqual([[null, null, null], [null, null, null], [null, null, null]])
    expect(rows.map((r) => r.row_version)).toEqual([1, 2, 3])
  })

  it("logs cascaded deletes and set-nulls, one change row per row written", async () => {
    const { executor } = await open()
    await executor.batch([
      { text: "INSERT INTO users (id, name) VALUES ('u1', 'ada')", params: [] },
      { text: 'INSERT INTO todos (id, title, "ownerId") VALUES (?, ?, ?), (?, ?, ?)', params: ["t1", "a", "u1", "t2", "b", "u1"] },
      { text: 'INSERT INTO comments (id, body, "todoId") VALUES (?, ?, ?)', params: ["c1", "hi", "t1"] },
      { text: 'INSERT INTO replies (id, body, "commentId") VALUES (?, ?, ?)', params: ["r1", "yo", "c1"] },
      { text: 'INSERT INTO labels (id, name, "todoId") VALUES (?, ?, ?)', params: ["l1", "red", "t2"] },
    ])
    const before = (await changeRows(executor)).length
    await sql(executor, "DELETE FROM users WHERE id = ?", "u1")
    const after = await changeRows(executor, before)
    expect(after.map((c) => `${c.table_name}:${c.row_id}:${c.op}`).sort()).toEqual(
      ["users:u1:del", "todos:t1:del", "todos:t2:del", "comments:c1:del", "replies:r1:del", "labels:l1:put"].sort(),
    )
    expect(after.find((c) => c.table_name === "labels")?.value).toEqual({ id: "l1", name: "red", todoId: null })
  })

  it("logs an id change as a delete of the old id and a put of the new one", async () => {
    const { executor } = await open()
    await sql(executor, "INSERT INTO users (id, name) VALUES ('u1', 'ada')")
    await sql(executor, "UPDATE users SET id = 'u2' WHERE id = 'u1'")
    expect(await changeKeys(executor)).toEqual(["users:u1:put", "users:u1:del", "users:u2:put"])
  })

  it("stamps the origin from transaction-local settings, which vanish at commit", async () => {
    const { executor } = await open()
    await executor.transaction(async (tx) => {
      await tx.all({
        text: "SELECT set_config(?, ?, true), set_config(?, ?, true), set_config(?, ?, true), set_config(?, ?, true)",
        params: [
          POSTGRES_ORIGIN_SETTINGS.clientGroupID, "g1", POSTGRES_ORIGIN_SETTINGS.clientID, "c1",
          POSTGRES_ORIGIN_SETTINGS.mutationID, "7", POSTGRES_ORIGIN_SETTINGS.now, "1234",
        ],
      })
      await sql(tx, "INSERT INTO users (id, name) VALUES ('u1', 'ada')")
    })
    await sql(executor, "INSERT INTO users (id, name) VALUES ('u2', 'bob')")
    const rows = await executor.all<Record<string, unknown>>({
      text: "SELECT row_id, client_group_id, client_id, mutation_id, created_at FROM _plasma_changes ORDER BY row_version",
      params: [],
    })
    expect(rows[0]).toEqual({ row_id: "u1", client_group_id: "g1", client_id: "c1", mutation_id: 7, created_at: 1234 })
    expect(rows[1]).toMatchObject({ row_id: "u2", client_group_id: null, client_id: null, mutation_id: null })
    expect(Math.abs(Number(rows[1]?.created_at) - Date.now())).toBeLessThan(60 * 60 * 1000)
  })

  it("logs nothing while the write path logs its own batch (the marker row), and captures raw SQL after it", async () => {
    const { executor } = await open()
    await executor.transaction(async (tx) => {
      await sql(tx, "INSERT INTO _plasma_meta (key, value) VALUES (?, '1')", POSTGRES_WRITE_PATH_LOGS_KEY)
      await sql(tx, "INSERT INTO users (id, name) VALUES ('u1', 'self-logged')")
      await sql(tx, "DELETE FROM _plasma_meta WHERE key = ?", POSTGRES_WRITE_PATH_LOGS_KEY)
    })
    await sql(executor, "INSERT INTO users (id, name) VALUES ('u2', 'raw')")
    expect(await changeKeys(executor)).toEqual(["users:u2:put"])
  })

  it("keeps _plasma_blob_refs equal to the file values and marks orphans, through raw SQL and cascades", async () => {
    const { executor } = await open()
    const [a, b] = [fileRef(1), fileRef(2)]
    await seedBlobs(executor, [a, b])
    await sql(executor, "INSERT INTO users (id, name) VALUES ('u1', 'ada')")
    await sql(executor, 'INSERT INTO todos (id, title, "ownerId", attachment) VALUES (?, ?, ?, ?)', "t1", "x", "u1", JSON.stringify(a))
    await sql(executor, 'INSERT INTO todos (id, title, "ownerId", attachment) VALUES (?, ?, ?, NULL)', "t2", "y", "u1")
    expect(await blobRefs(executor)).toEqual([`${a.hash}|todos|t1|attachment`])
    // Same file, other column changed: refs untouched.
    await sql(executor, "UPDATE todos SET title = 'z' WHERE id = 't1'")
    expect(await blobRefs(executor)).toEqual([`${a.hash}|todos|t1|attachment`])
    await sql(executor, "UPDATE todos SET attachment = ? WHERE id = 't1'", JSON.stringify(b))
    expect(await blobRefs(executor)).toEqual([`${b.hash}|todos|t1|attachment`])
    expect((await orphanMarks(executor))[a.hash]).not.toBeNull()
    expect((await orphanMarks(executor))[b.hash]).toBeNull()
    // Re-attaching clears the orphan mark; a cascade from users drops every ref.
    await sql(executor, "UPDATE todos SET attachment = ? WHERE id = 't2'", JSON.stringify(a))
    expect((await orphanMarks(executor))[a.hash]).toBeNull()
    await sql(executor, "DELETE FROM users WHERE id = 'u1'")
    expect(await blobRefs(executor)).toEqual([])
    const marks = await orphanMarks(executor)
    expect(marks[a.hash]).not.toBeNull()
    expect(marks[b.hash]).not.toBeNull()
  })
})

describe.skipIf(url === null)("Postgres row_version order is commit order (SPEC §7.5)", () => {
  const fixtures: PostgresFixture[] = []
  afterEach(async () => {
    for (const f of fixtures.splice(0)) await f.dispose()
  })

  /** Resolves once `pid` waits on a lock (pg_stat_activity), polling: no timing assumption. */
  async function waitUntilBlocked(executor: SqlExecutor, pid: number): Promise<string> {
    for (let i = 0; i < 1000; i++) {
      const [row] = await executor.all<{ t: string | null; e: string | null }>({
        text: "SELECT wait_event_type AS t, wait_event AS e FROM pg_stat_activity WHERE pid = ?::integer",
        params: [pid],
      })
      if (row?.t === "Lock") return row.e ?? ""
      await new Promise((resolve) => setTimeout(resolve, 5))
    }
    throw new Error(`backend ${pid} never waited on a lock`)
  }

  /**
   * A slow writer takes a version and stays open; a fast writer starts after it. A puller reads
   * `row_version > cookie` while the slow one is open. Returns what the puller missed for good.
   */
  async function interleave(
    executor: SqlExecutor,
    write: (tx: SqlTransaction, who: string) => Promise<number>,
    expectFastBlocked: boolean,
  ): Promise<{ missed: number[]; versions: { slow: number; fast: number } }> {
    let releaseSlow: () => void = () => {}
    const slowMayCommit = new Promise<void>((resolve) => {
      releaseSlow = resolve
    })
    let slowInserted: () => void = () => {}
    const slowHasVersion = new Promise<void>((resolve) => {
      slowInserted = resolve
    })
    let fastPid = 0
    let slowVersion = 0
    let fastVersion = 0
    const slow = executor.transaction(async (tx) => {
      try {
        slowVersion = await write(tx, "slow")
      } finally {
        slowInserted()
      }
      await slowMayCommit
    })
    await slowHasVersion
    let fastStarted: () => void = () => {}
    const fastHasPid = new Promise<void>((resolve) => {
      fastStarted = resolve
    })
    const fast = executor.transaction(async (tx) => {
      const [pid] = await tx.all<{ pid: number }>({ text: "SELECT pg_backend_pid() AS pid", params: [] })
      fastPid = pid?.pid ?? 0
      fastStarted()
      fastVersion = await write(tx, "fast")
    })
    await fastHasPid
    const seen = new Set<number>()
    let cookie = 0
    const pull = async (): Promise<void> => {
      const rows = await executor.all<{ v: number }>({ text: "SELECT row_version AS v FROM _plasma_changes WHERE row_version > ? ORDER BY row_version", params: [cookie] })
      for (const { v } of rows) seen.add(v)
      cookie = Math.max(cookie, ...rows.map((r) => r.v))
    }
    if (expectFastBlocked) {
      // The fast writer cannot take a version while the slow one is open: it waits on the lock.
      expect(await waitUntilBlocked(executor, fastPid)).toBe("advisory")
    } else {
      await fast
    }
    await pull() // with the slow writer still open
    releaseSlow()
    await Promise.all([slow, fast])
    await pull()
    const all = await executor.all<{ v: number }>({ text: "SELECT row_version AS v FROM _plasma_changes ORDER BY row_version", params: [] })
    return { missed: all.map((r) => r.v).filter((v) => !seen.has(v)), versions: { slow: slowVersion, fast: fastVersion } }
  }

  it("a fast commit never overtakes a slow writer's version: the puller misses nothing", async () => {
    const fixture = await createPostgres({ max: 10 })
    fixtures.push(fixture)
    await ensureSchema({ schema, executor: fixture.executor })
    // The trigger's change row holds the version; the transaction reads its own back.
    const result = await interleave(
      fixture.executor,
      async (tx, who) => {
        await tx.run({ text: "INSERT INTO users (id, name) VALUES (?, 'x')", params: [who] })
        const [row] = await tx.all<{ v: number }>({ text: "SELECT MAX(row_version) AS v FROM _plasma_changes", params: [] })
        return row?.v ?? 0
      },
      true,
    )
    expect(result.missed).toEqual([])
    expect(result.versions.slow).toBeLessThan(result.versions.fast)
  })

  it("control: a bare BIGSERIAL without the lock lets the same interleaving lose a change", async () => {
    const fixture = await createPostgres({ max: 10 })
    fixtures.push(fixture)
    await fixture.executor.run({ text: "CREATE TABLE _plasma_changes (row_version BIGSERIAL PRIMARY KEY, who TEXT)", params: [] })
    const result = await interleave(
      fixture.executor,
      async (tx, who) => {
        const [row] = await tx.all<{ v: number }>({ text: "INSERT INTO _plasma_changes (who) VALUES (?) RETURNING row_version AS v", params: [who] })
        return row?.v ?? 0
      },
      false,
    )
    // The slow writer's version 1 committed after the puller moved its cookie to 2.
    expect(result.missed).toEqual([1])
  })

  it("many writers with random slow and fast commits: a concurrent puller ends having seen every version", async () => {
    const fixture = await createPostgres({ max: 24 })
    fixtures.push(fixture)
    const { executor } = fixture
    await ensureSchema({ schema, executor })
    let writing = true
    const seen = new Set<number>()
    let cookie = 0
    const pull = async (): Promise<void> => {
      const rows = await executor.all<{ v: number }>({ text: "SELECT row_version AS v FROM _plasma_changes WHERE row_version > ? ORDER BY row_version", params: [cookie] })
      for (const { v } of rows) seen.add(v)
      cookie = Math.max(cookie, ...rows.map((r) => r.v))
    }
    const puller = (async () => {
      while (writing) {
        await pull()
        await new Promise((resolve) => setTimeout(resolve, 1))
      }
    })()
    // Deterministic pseudo-random delays (some writers sleep while holding a version).
    let seed = 7
    const next = (): number => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648
    const writers = Array.from({ length: 40 }, (_, i) => {
      const delay = next() < 0.3 ? Math.floor(next() * 30) : 0
      return executor.transaction(async (tx) => {
        await tx.run({ text: "INSERT INTO counters (id, value) VALUES (?, ?)", params: [`c${i}`, i] })
        if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay))
        await tx.run({ text: "UPDATE counters SET value = value + 1 WHERE id = ?", params: [`c${i}`] })
      })
    })
    await Promise.all(writers)
    writing = false
    await puller
    await pull()
    const all = await executor.all<{ v: number }>({ text: "SELECT row_version AS v FROM _plasma_changes ORDER BY row_version", params: [] })
    expect(all).toHaveLength(80)
    expect(all.map((r) => r.v).filter((v) => !seen.has(v))).toEqual([])
  })
})
