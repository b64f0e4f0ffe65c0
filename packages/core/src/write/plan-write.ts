/**
 * Write planning, as one function every engine calls: given the schema, one write statement, a
 * row source and the caller's context, decide everything the statement does — the rows it
 * writes, the constraints it breaks, the rows its `onDelete` actions reach, the FileRefs it
 * writes — before anything is applied. It never writes: the memory engine applies the plan to
 * its row store, the server to its overlay and SQL buffer. One rule, one place, so the client's
 * optimistic run and the server's authoritative run agree.
 *
 * Rules, in the order they are checked (the first failure wins and nothing is applied):
 * 1. Values: `prepareInsertRow` (defaults, value kinds) for inserts, `preparePatch` for updates
 *    (`invalid-value`).
 * 2. Targets: an update or delete reads the rows `where` matches, ordered by id so every engine
 *    reports the same first row. `rowsAffected` counts them, changed or not (SQLite's `changes()`).
 * 3. Write predicate (only with a `ctx`): `auth.write` must accept the pre-image of every row
 *    updated or deleted, then the post-image of every row inserted or updated (`write-denied`).
 *    Rows reached by `onDelete` actions are consequences of the schema and are not checked.
 * 4. Constraints (`constraint-violation`), against the rows the source sees:
 *    - insert: an id used twice in the statement, or already stored;
 *    - insert and update (the patched columns only): a non-NULL value of a `.unique()` column
 *      written to two rows, or held by a row the statement does not rewrite (NULLs never clash);
 *    - insert and update: a non-NULL `ref` to a row that does not exist (rows of the same insert
 *      count: SQLite checks foreign keys at the end of the statement).
 * 5. Delete effects: the deleted set is closed under `cascade` (breadth first, each row once);
 *    then each row still referencing a deleted row is refused (`restrict`, `noAction`) or gets
 *    NULL (`setNull`, one change per row with all its NULLs). "Still" means once the whole
 *    statement applied — SQLite's `noAction`; its `restrict` fires row by row, so a schema whose
 *    restricting row is also cascaded away in the same statement may be refused there.
 * Lookups are batched: one `source.lookup` call for all constraint checks, one per cascade level.
 *
 * @example
 * const plan = await planWrite(schema, node, source, { ctx })
 * for (const change of plan.changes) change.op === "put" ? store.put(change.table, change.row) : store.delete(change.table, change.id)
 */
import type { AnySchema } from "../schema/define-schema.js"
import { tableOf } from "../schema/define-schema.js"
import { refTargetOf, type FileRef } from "../schema/column.js"
import type { AnyTable, AuthContext } from "../schema/table.js"
import { prepareInsertRow, preparePatch, toSqlValue } from "../schema/values.js"
import type { DeleteNode, InsertNode, UpdateNode, WriteNode } from "../query/ast.js"
import { sqlValueKey } from "../memory/sql-compare.js"
import { referencingEdgesOf, type ReferencingEdge } from "./referencing-edges.js"
import type { RowLookup, WriteRowSource } from "./row-source.js"
import type { PlannedChange, WritePlan } from "./write-plan.js"
import { duplicateIdError, missingReferenceError, repeatedUniqueError, stillReferencedError, uniqueTakenError, writeDeniedError } from "./write-errors.js"

type Row = Record<string, unknown>

/** Options of {@link planWrite}. */
export interface PlanWriteOptions {
  /** The context `auth.write` predicates see; absent or `null` skips them (admin code). */
  readonly ctx?: AuthContext | null
}

/**
 * Plans one write statement (already checked by `validateQuery`). Throws the statement's first
 * failure as a `PlasmaError`; see the module header for the rules.
 */
export async function planWrite(schema: AnySchema, node: WriteNode, source: WriteRowSource, options: PlanWriteOptions = {}): Promise<WritePlan> {
  const table = tableOf(schema, node.table)
  const ctx = options.ctx ?? null
  switch (node.kind) {
    case "insert":
      return planInsert(schema, table, node, source, ctx)
    case "update":
      return planUpdate(schema, table, node, source, ctx)
    case "delete":
      return planDelete(schema, table, node, source, ctx)
  }
}

async function planInsert(schema: AnySchema, table: AnyTable, node: InsertNode, source: WriteRowSource, ctx: AuthContext | null): Promise<WritePlan> {
  const rows = node.rows.map((input) => prepareInsertRow(table, input))
  if (ctx !== null) for (const row of rows) checkWrite(table, row, "after", ctx)
  await checkConstraints(schema, table, rows, Object.keys(table.$columns), null, source)
  const changes: PlannedChange[] = rows.map((row) => ({ op: "put", table: table.$name, id: row.id as string, row }))
  return { rowsAffected: rows.length, changes, statement: { kind: "insert", table: table.$name, rows }, files: filesOf(table, rows), reached: [] }
}

async function planUpdate(schema: AnySchema, table: AnyTable, node: UpdateNode, source: WriteRowSource, ctx: AuthContext | null): Promise<WritePlan> {
  const patch = preparePatch(table, node.set)
  const targets = byId(await source.matching(table.$name, node.where))
  const after = targets.map((row) => ({ ...row, ...patch }))
  if (ctx !== null) {
    for (const row of targets) checkWrite(table, row, "before", ctx)
    for (const row of after) checkWrite(table, row, "after", ctx)
  }
  const ids = targets.map((row) => row.id as string)
  if (after.length > 0) await checkConstraints(schema, table, after, Object.keys(patch), new Set(ids), source)
  const changes: PlannedChange[] = after.map((row) => ({ op: "put", table: table.$name, id: row.id as string, row }))
  return {
    rowsAffected: targets.length,
    changes,
    statement: { kind: "update", table: table.$name, patch, ids },
    files: targets.length > 0 ? filesOf(table, [patch]) : [],
    reached: [],
  }
}

async function planDelete(schema: AnySchema, table: AnyTable, node: DeleteNode, source: WriteRowSource, ctx: AuthContext | null): Promise<WritePlan> {
  const targets = byId(await source.matching(table.$name, node.where))
  if (ctx !== null) for (const row of targets) checkWrite(table, row, "before", ctx)
  const ids = targets.map((row) => row.id as string)
  const { changes, reached } = await planDeleteEffects(schema, table.$name, ids, source)
  return { rowsAffected: targets.length, changes, statement: { kind: "delete", table: table.$name, ids }, files: [], reached }
}

function checkWrite(table: AnyTable, row: Readonly<Row>, image: "before" | "after", ctx: AuthContext): void {
  const write = table.$options.auth?.write
  if (write !== undefined && !write(ctx, row)) throw writeDeniedError(table.$name, String(row.id), image)
}

/** Sorts targets by id (UTF-16 order: any fixed order will do) so every engine names the same first row. */
function byId(rows: readonly Readonly<Row>[]): readonly Readonly<Row>[] {
  if (rows.length < 2) return rows
  return [...rows].sort((a, b) => ((a.id as string) < (b.id as string) ? -1 : (a.id as string) > (b.id as string) ? 1 : 0))
}

function filesOf(table: AnyTable, rows: readonly Readonly<Row>[]): FileRef[] {
  const files: FileRef[] = []
  for (const [name, column] of Object.entries(table.$columns)) {
    if (column.config.kind !== "file") continue
    for (const row of rows) {
      const value = row[name] as FileRef | null | undefined
      if (value !== null && value !== undefined) files.push(value)
    }
  }
  return files
}

/**
 * Rule 4 for `rows` (post-images) over `columns`. `rewritten` holds the ids an update targets:
 * their old values do not clash with their new ones. `null` means an insert.
 */
async function checkConstraints(
  schema: AnySchema,
  table: AnyTable,
  rows: readonly Readonly<Row>[],
  columns: readonly string[],
  rewritten: ReadonlySet<string> | null,
  source: WriteRowSource,
): Promise<void> {
  const lookups: RowLookup[] = []
  const checks: ((found: readonly Readonly<Row>[]) => void)[] = []
  const ids = new Set<string>()
  if (rewritten === null) {
    for (const row of rows) {
      const id = row.id as string
      if (ids.has(id)) throw duplicateIdError(table.$name, id)
      ids.add(id)
    }
    lookups.push({ table: table.$name, column: "id", values: [...ids], purpose: "constraint" })
    checks.push((found) => {
      if (found[0] !== undefined) throw duplicateIdError(table.$name, found[0].id as string)
    })
  }
  for (const name of columns) {
    const column = table.$columns[name]
    if (column === undefined || column.config.kind === "id") continue
    if (column.config.unique) {
      const keys = new Set<string>()
      const values: unknown[] = []
      for (const row of rows) {
        const value = row[name] ?? null
        if (value === null) continue // UNIQUE allows any number of NULLs
        const key = sqlValueKey(toSqlValue(column, value))
        if (keys.has(key)) throw repeatedUniqueError(table.$name, name, value)
        keys.add(key)
        values.push(value)
      }
      if (values.length > 0) {
        lookups.push({ table: table.$name, column: name, values, purpose: "constraint" })
        checks.push((found) => {
          const holder = found.find((row) => rewritten?.has(row.id as string) !== true)
          if (holder !== undefined) throw uniqueTakenError(table.$name, name, holder[name], holder.id as string)
        })
      }
    }
    const target = refTargetOf(column)
    if (target !== null) {
      // Rows of one insert may reference each other (SQLite checks at the end of the statement).
      const pending = new Set<string>()
      for (const row of rows) {
        const value = row[name]
        if (typeof value !== "string" || (rewritten === null && target.table === table.$name && ids.has(value))) continue
        pending.add(value)
      }
      if (pending.size > 0) {
        lookups.push({ table: target.table, column: "id", values: [...pending], purpose: "constraint" })
        checks.push((found) => {
          const present = new Set(found.map((row) => row.id as string))
          for (const row of rows) {
            const value = row[name]
            if (typeof value === "string" && pending.has(value) && !present.has(value)) {
              throw missingReferenceError(table.$name, name, row.id as string, target.table, value)
            }
          }
        })
      }
    }
  }
  const live = lookups.filter((lookup) => lookup.values.length > 0)
  if (live.length === 0) return
  const found = await source.lookup(live)
  let i = 0
  for (let k = 0; k < lookups.length; k++) {
    if (lookups[k]!.values.length === 0) continue
    checks[k]!(found[i++] ?? [])
  }
}

interface Referencer {
  readonly edge: ReferencingEdge
  /** The table and id of the deleted row it points at. */
  readonly parentTable: string
  readonly parent: string
  readonly row: Readonly<Row>
}

/** Rule 5: the rows a delete of `ids` from `tableName` removes and changes. */
async function planDeleteEffects(
  schema: AnySchema,
  tableName: string,
  ids: readonly string[],
  source: WriteRowSource,
): Promise<{ changes: PlannedChange[]; reached: string[] }> {
  const deleted = new Map<string, Set<string>>()
  const mark = (table: string, id: string): boolean => {
    let set = deleted.get(table)
    if (set === undefined) deleted.set(table, (set = new Set()))
    if (set.has(id)) return false
    set.add(id)
    return true
  }
  const changes: PlannedChange[] = []
  const reached = new Set<string>()
  const referencers: Referencer[] = []
  let frontier = new Map<string, string[]>([[tableName, ids.filter((id) => mark(tableName, id))]])
  // One lookup per level of the cascade; each row enters the frontier once, so this ends.
  while (frontier.size > 0) {
    const lookups: RowLookup[] = []
    const edges: { readonly edge: ReferencingEdge; readonly parentTable: string }[] = []
    for (const [table, level] of frontier) {
      for (const id of level) changes.push({ op: "del", table, id, row: null })
      if (level.length === 0) continue
      for (const edge of referencingEdgesOf(schema, table)) {
        lookups.push({ table: edge.table, column: edge.column, values: level, purpose: "referencing" })
        edges.push({ edge, parentTable: table })
      }
    }
    if (lookups.length === 0) break
    const found = await source.lookup(lookups)
    const next = new Map<string, string[]>()
    edges.forEach(({ edge, parentTable }, i) => {
      for (const row of found[i] ?? []) {
        const id = row.id as string
        if (edge.onDelete !== "cascade") {
          referencers.push({ edge, parentTable, parent: row[edge.column] as string, row })
          continue
        }
        reached.add(edge.table)
        if (!mark(edge.table, id)) continue
        let level = next.get(edge.table)
        if (level === undefined) next.set(edge.table, (level = []))
        level.push(id)
      }
    })
    frontier = next
  }
  const nulls = new Map<string, { table: string; row: Row }>()
  for (const { edge, parentTable, parent, row } of referencers) {
    const id = row.id as string
    if (deleted.get(edge.table)?.has(id) === true) continue
    if (edge.onDelete === "restrict" || edge.onDelete === "noAction") {
      throw stillReferencedError(parentTable, parent, edge.table, edge.column, id, edge.onDelete)
    }
    reached.add(edge.table)
    const key = `${edge.table}\u0000${id}`
    const staged = nulls.get(key)?.row ?? { ...row }
    staged[edge.column] = null
    nulls.set(key, { table: edge.table, row: staged })
  }
  for (const { table, row } of nulls.values()) changes.push({ op: "put", table, id: row.id as string, row })
  return { changes, reached: [...reached] }
}
