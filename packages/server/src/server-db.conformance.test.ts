/**
 * The shared query conformance suite of `@plasma/core/testing`, run on the server engines:
 * `createServerDb` over better-sqlite3 and over D1 (queries compiled to SQL), and a
 * `WriteTransaction` whose reads mix committed rows with rows still buffered in its overlay
 * (queries finished by the in-memory evaluator). The overlay variant runs on better-sqlite3 only:
 * its path is the same JavaScript on every executor, and D1 round trips from Node are slow.
 */
import { createDb, type AnySchema, type QueryEngine, type SelectNode, type WriteNode } from "@plasma/core"
import { describeQueryConformance } from "@plasma/core/testing"
import { afterAll, beforeAll } from "vitest"
import { ensureSchema } from "./schema/migrations.js"
import { createServerDb } from "./server-db.js"
import { ENGINES, type EnginePool } from "./testing/engines.js"
import { WriteTransaction } from "./write/write-transaction.js"

/** One pool per engine for the whole file (the suite opens a fresh database per test). */
function pooled(name: "better-sqlite3" | "d1", size: number): () => EnginePool {
  let pool: EnginePool | undefined
  beforeAll(async () => {
    pool = await ENGINES.find((e) => e.name === name)!.start(size)
  })
  afterAll(async () => {
    await pool?.stop()
  })
  return () => {
    if (pool === undefined) throw new Error("pool not started")
    return pool
  }
}

const sqlitePool = pooled("better-sqlite3", 0)
const d1Pool = pooled("d1", 32)

describeQueryConformance("createServerDb on better-sqlite3", async (schema) => {
  const db = await sqlitePool().open()
  return { db: createServerDb({ schema, executor: db.executor, ctx: {} }), dispose: () => db.dispose() }
})

describeQueryConformance("createServerDb on D1", async (schema) => {
  const db = await d1Pool().open()
  return { db: createServerDb({ schema, executor: db.executor, ctx: {} }), dispose: () => db.dispose() }
})

/**
 * A Db over a WriteTransaction that is never committed. The suite's seed (its first inserts) is
 * split: users and tags, and every other todo, are committed through createServerDb; the rest
 * stays in the overlay, as does every later write. So reads see both sources at once.
 */
async function overlayDb(schema: AnySchema, open: () => ReturnType<EnginePool["open"]>) {
  const db = await open()
  await ensureSchema({ schema, executor: db.executor })
  const committed = createServerDb({ schema, executor: db.executor, ctx: {} })
  const tx = new WriteTransaction({ schema, executor: db.executor, ctx: null, applyReadAuth: false })
  let seedInserts = 5
  const engine: QueryEngine = {
    select: (node: SelectNode) => tx.select(node),
    async write(node: WriteNode) {
      if (node.kind !== "insert" || seedInserts <= 0) return tx.write(node)
      seedInserts--
      const dbRows = node.table === "users" || node.table === "tags" ? node.rows : node.table === "todos" ? node.rows.filter((_, i) => i % 2 === 0) : []
      const overlayRows = node.rows.filter((row) => !dbRows.includes(row))
      if (dbRows.length > 0) await committed.insert(schema.tables[node.table]!).values(dbRows as never)
      if (overlayRows.length > 0) await tx.write({ ...node, rows: overlayRows })
      return { rowsAffected: node.rows.length }
    },
  }
  return { db: createDb(schema, engine), dispose: () => db.dispose() }
}

describeQueryConformance("WriteTransaction overlay on better-sqlite3", (schema) => overlayDb(schema, () => sqlitePool().open()))
