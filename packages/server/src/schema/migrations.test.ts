/**
 * SPEC §6: `ensureSchema` is idempotent and runs no DDL once the schema is in place;
 * `runMigrations` adds columns and tables additively, regenerates change capture for the new
 * column set, and refuses (and reports) destructive changes.
 */
import { defineSchema, id, int, isPlasmaError, ref, table, text, type AnySchema } from "@plasma/core"
import type { SqlExecutor, SqlQuery } from "@plasma/executors"
import { expect, it } from "vitest"
import { describeOnEngines } from "../testing/engines.js"
import { changeRows } from "../testing/inspect.js"
import { ensureSchema, runMigrations } from "./migrations.js"

/** Wraps an executor and records every statement it is asked to run. */
function counting(executor: SqlExecutor): { executor: SqlExecutor; statements: string[] } {
  const statements: string[] = []
  const wrapped = new Proxy(executor, {
    get(target, key) {
      const value: unknown = Reflect.get(target, key)
      if (key === "all" || key === "run") {
        return (query: SqlQuery) => {
          statements.push(query.text)
          return (value as (q: SqlQuery) => Promise<unknown>).call(target, query)
        }
      }
      if (key === "batch") {
        return (queries: readonly SqlQuery[]) => {
          statements.push(...queries.map((q) => q.text))
          return target.batch(queries)
        }
      }
      return typeof value === "function" ? (value as (...args: unknown[]) => unknown).bind(target) : value
    },
  })
  return { executor: wrapped, statements }
}

const notesV1 = table("notes", { id: id(), title: text() })
const v1 = defineSchema({ notes: notesV1 })
const v2 = defineSchema({ notes: table("notes", { id: id(), title: text(), body: text().nullable(), prio: int().default(3) }) })

const isDdl = (text: string): boolean => /^\s*(CREATE|ALTER|DROP)\b/i.test(text)

/** The column names of a table, read from the engine's own catalog. */
async function columnNames(executor: SqlExecutor, table: string): Promise<string[]> {
  const text =
    executor.dialect.name === "postgres"
      ? "SELECT column_name AS name FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = ? ORDER BY ordinal_position"
      : "SELECT name FROM pragma_table_info(?)"
  return (await executor.all<{ name: string }>({ text, params: [table] })).map((c) => c.name)
}

/** The ON DELETE action of a table's foreign keys, read from the engine's own catalog. */
async function onDeleteActions(executor: SqlExecutor, table: string): Promise<string[]> {
  const text =
    executor.dialect.name === "postgres"
      ? "SELECT rc.delete_rule AS action FROM information_schema.referential_constraints rc JOIN information_schema.table_constraints tc " +
        "ON tc.constraint_name = rc.constraint_name AND tc.constraint_schema = rc.constraint_schema WHERE tc.table_schema = current_schema() AND tc.table_name = ?"
      : "SELECT on_delete AS action FROM pragma_foreign_key_list(?)"
  return (await executor.all<{ action: string }>({ text, params: [table] })).map((r) => r.action)
}

describeOnEngines("migrations", (open) => {
  it("ensureSchema twice runs no DDL the second time; a fresh executor runs only the fingerprint read", async () => {
    const db = await open()
    const first = counting(db.executor)
    await ensureSchema({ schema: v1, executor: first.executor })
    expect(first.statements.filter(isDdl).length).toBeGreaterThan(0)
    first.statements.length = 0
    await ensureSchema({ schema: v1, executor: first.executor })
    expect(first.statements).toEqual([])

    const fresh = counting(db.newExecutor())
    await ensureSchema({ schema: v1, executor: fresh.executor })
    expect(fresh.statements).toHaveLength(1)
    expect(fresh.statements[0]).toMatch(/^SELECT value FROM _plasma_meta/)
    await ensureSchema({ schema: v1, executor: fresh.executor })
    expect(fresh.statements).toHaveLength(1)
  })

  it("adds nullable and defaulted columns and the regenerated capture includes them", async () => {
    const { executor } = await open()
    await ensureSchema({ schema: v1, executor })
    await executor.run({ text: "INSERT INTO notes (id, title) VALUES ('n1', 'a')", params: [] })
    const report = await runMigrations({ schema: v2, executor })
    expect(report.refused).toEqual([])
    expect(report.applied).toEqual(
      expect.arrayContaining([
        { kind: "add-column", table: "notes", column: "body" },
        { kind: "add-column", table: "notes", column: "prio" },
      ]),
    )
    await ensureSchema({ schema: v2, executor })
    await executor.run({ text: "UPDATE notes SET body = 'b' WHERE id = 'n1'", params: [] })
    await executor.run({ text: "INSERT INTO notes (id, title) VALUES ('n2', 'c')", params: [] })
    const log = await changeRows(executor)
    expect(log.map((c) => c.value)).toEqual([
      { id: "n1", title: "a" },
      { id: "n1", title: "a", body: "b", prio: 3 },
      { id: "n2", title: "c", body: null, prio: 3 },
    ])
    // Exactly one change row per write: the old triggers are gone, not stacked.
    expect(log).toHaveLength(3)
  })

  it("refuses and reports a column the schema dropped, and keeps its data", async () => {
    const { executor } = await open()
    await ensureSchema({ schema: v2, executor })
    await executor.run({ text: "INSERT INTO notes (id, title, body) VALUES ('n1', 'a', 'keep me')", params: [] })
    const report = await runMigrations({ schema: v1, executor })
    expect(report.refused).toEqual([
      expect.objectContaining({ kind: "drop-column", table: "notes", column: "body" }),
      expect.objectContaining({ kind: "drop-column", table: "notes", column: "prio" }),
    ])
    const error = await ensureSchema({ schema: v1, executor }).then(
      () => null,
      (e: unknown) => e,
    )
    expect(isPlasmaError(error, "invalid-schema")).toBe(true)
    expect((error as Error).message).toContain("notes.body")
    expect(await executor.all({ text: "SELECT body FROM notes", params: [] })).toEqual([{ body: "keep me" }])
    // A refused migration changes nothing: capture still logs the columns the table has.
    expect(report.applied).toEqual([])
    await executor.run({ text: "UPDATE notes SET title = 'b'", params: [] })
    expect((await changeRows(executor)).at(-1)?.value).toEqual({ id: "n1", title: "b", body: "keep me", prio: 3 })
  })

  it("refuses a NOT NULL column without a default", async () => {
    const { executor } = await open()
    await ensureSchema({ schema: v1, executor })
    const strict = defineSchema({ notes: table("notes", { id: id(), title: text(), owner: text() }) })
    const report = await runMigrations({ schema: strict, executor })
    expect(report.refused).toEqual([expect.objectContaining({ kind: "add-column", table: "notes", column: "owner" })])
    const error = await ensureSchema({ schema: strict, executor }).then(
      () => null,
      (e: unknown) => e,
    )
    expect(isPlasmaError(error, "invalid-schema")).toBe(true)
    expect((error as Error).message).toContain("notes.owner")
    expect(await columnNames(executor, "notes")).toEqual(["id", "title"])
    expect(report.applied).toEqual([])
  })

  it("refuses changed constraints (onDelete, UNIQUE, nullability, default) instead of reporting them applied", async () => {
    const { executor } = await open()
    const parentsV1 = table("parents", { id: id() })
    const before = defineSchema({
      parents: parentsV1,
      kids: table("kids", { id: id(), parentId: ref(() => parentsV1.id, { onDelete: "cascade" }).nullable(), code: text(), rank: int().default(1), note: text() }),
    })
    await ensureSchema({ schema: before, executor })
    // Re-running with the same schema on a fresh executor is clean: stored constraints match.
    expect((await runMigrations({ schema: before, executor })).refused).toEqual([])
    const parentsV2 = table("parents", { id: id() })
    const after = defineSchema({
      parents: parentsV2,
      kids: table("kids", { id: id(), parentId: ref(() => parentsV2.id, { onDelete: "setNull" }).nullable(), code: text().unique(), rank: int().default(2), note: text().nullable() }),
    })
    const report = await runMigrations({ schema: after, executor })
    expect(report.applied).toEqual([])
    expect(report.refused.map((step) => [step.kind, step.column])).toEqual([
      ["change-column", "parentId"],
      ["change-column", "code"],
      ["change-column", "rank"],
      ["change-column", "note"],
    ])
    expect(report.refused[0]?.reason).toContain("ON DELETE CASCADE")
    expect(await onDeleteActions(executor, "kids")).toEqual(["CASCADE"])
  })

  it("creates a table added later, with change capture", async () => {
    const { executor } = await open()
    await ensureSchema({ schema: v1, executor })
    const v3: AnySchema = defineSchema({ notes: notesV1, tags: table("tags", { id: id(), name: text() }) })
    const report = await runMigrations({ schema: v3, executor })
    expect(report.refused).toEqual([])
    expect(report.applied).toContainEqual({ kind: "create-table", table: "tags" })
    await ensureSchema({ schema: v3, executor })
    await executor.run({ text: "INSERT INTO tags (id, name) VALUES ('g1', 'x')", params: [] })
    await executor.run({ text: "INSERT INTO notes (id, title) VALUES ('n1', 'a')", params: [] })
    expect((await changeRows(executor)).map((c) => `${c.table_name}:${c.row_id}`)).toEqual(["tags:g1", "notes:n1"])
  })
}, { postgres: true })

