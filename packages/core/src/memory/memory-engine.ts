/**
 * The in-memory engine: a `QueryEngine` over JavaScript maps, used by browser clients and
 * tests, giving the same answers as the SQLite engines.
 *
 * Writes are all-or-nothing per statement: every row is checked and the whole effect (cascades
 * included) is planned before anything is applied, so a failing write changes nothing.
 * - insert: `prepareInsertRow` (defaults, value kinds); a duplicate id or a duplicate non-NULL
 *   value in a `.unique()` column (against stored rows and the other rows of the statement) is a
 *   `constraint-violation`, as is a `ref` to a missing row (rows of the same statement count, as
 *   SQLite checks foreign keys at the end of the statement);
 * - update: `preparePatch`; the same unique and foreign key checks on the new images;
 *   `rowsAffected` counts matched rows, changed or not (SQLite's `changes()`);
 * - delete: `onDelete` of every referencing column applies: `cascade` deletes (recursively),
 *   `setNull` clears the reference, `restrict` and `noAction` refuse the delete while a
 *   referencing row would remain. Cascaded rows are not counted in `rowsAffected`.
 * `onChange` fires once per row written, cascaded ones included, after the statement applied.
 * With `ctx`, a table's `auth.write` must accept the pre-image of every row the statement
 * updates or deletes and the post-image of every row it inserts or updates (rows changed by
 * cascades are consequences of the schema and are not checked), else `write-denied`.
 * `changeLogSuppressed` tables behave like any other here: nothing is logged in memory.
 */
import { PlasmaError } from "../errors/plasma-error.js"
import type { AnySchema } from "../schema/define-schema.js"
import { refTargetOf, type OnDelete } from "../schema/column.js"
import type { AnyTable, AuthContext } from "../schema/table.js"
import { prepareInsertRow, preparePatch, toSqlValue } from "../schema/values.js"
import type { DeleteNode, InsertNode, SelectNode, UpdateNode, WriteNode, WriteResult } from "../query/ast.js"
import { createDb, type Db, type QueryEngine } from "../query/db.js"
import { validateQuery } from "../query/validate-query.js"
import { matchesCondition } from "./evaluate-expr.js"
import { evaluateSelect } from "./evaluate-select.js"
import { createMapRowStore, type MemoryRowStore } from "./memory-row-store.js"
import { sqlValueKey } from "./sql-compare.js"

type Row = Record<string, unknown>

/** One row written: `put` carries the full row, `del` carries `null`. */
export interface MemoryChange {
  readonly op: "put" | "del"
  readonly table: string
  readonly id: string
  readonly value: Readonly<Row> | null
}

export interface MemoryEngineOptions {
  /**
   * Where rows live. Default: a fresh {@link createMapRowStore}. The engine never mutates a row
   * it got from the store, so the store may freeze or share rows (the client passes its
   * "base + overlay" view).
   */
  readonly store?: MemoryRowStore
  /** Called for every row written, cascaded ones included, after the statement applied. */
  readonly onChange?: (change: MemoryChange) => void
  /** When given, tables' `auth.write` predicates run against it. */
  readonly ctx?: AuthContext
}

export interface MemoryEngine<S extends AnySchema> {
  readonly engine: QueryEngine
  readonly db: Db<S>
  /** Copies of the stored rows of `table`, in insertion order. */
  rows(table: string): Row[]
  /**
   * Stores rows as they are (upserting by id) without foreign key or unique checks and without
   * `onChange`: for state that is already consistent, such as a persisted snapshot or pulled
   * rows. Values are still checked and defaults filled in.
   */
  load(table: string, rows: readonly Readonly<Row>[]): void
  /** Applies one change as given (a pulled patch entry), without checks beyond value kinds. */
  apply(change: MemoryChange): void
}

interface RefEdge {
  readonly table: AnyTable
  readonly column: string
  readonly onDelete: OnDelete
}

const referencingCache = new WeakMap<AnySchema, ReadonlyMap<string, readonly RefEdge[]>>()

/** Which columns point at each table, for onDelete; computed once per schema (engines are created per mutator run). */
function referencingEdgesOf(schema: AnySchema): ReadonlyMap<string, readonly RefEdge[]> {
  let referencing = referencingCache.get(schema)
  if (referencing !== undefined) return referencing
  const edges = new Map<string, RefEdge[]>()
  for (const table of schema.tableList) {
    for (const [column, config] of Object.entries(table.$columns)) {
      const target = refTargetOf(config)
      if (target === null || config.config.ref === null) continue
      const list = edges.get(target.table) ?? []
      list.push({ table, column, onDelete: config.config.ref.onDelete })
      edges.set(target.table, list)
    }
  }
  referencingCache.set(schema, (referencing = edges))
  return referencing
}

function copyRow(row: Readonly<Row>): Row {
  return structuredClone(row)
}

function constraint(message: string, details: Record<string, unknown>): PlasmaError {
  return new PlasmaError("constraint-violation", message, { details })
}

/**
 * Creates an in-memory engine over `schema` and the `Db` that runs on it.
 * @example
 * const { db } = createMemoryEngine(schema)
 * await db.insert(todos).values({ id: "t1", title: "milk", ownerId: "u1", updatedAt: 1 })
 */
export function createMemoryEngine<S extends AnySchema>(schema: S, options: MemoryEngineOptions = {}): MemoryEngine<S> {
  const store = options.store ?? createMapRowStore()
  const referencing = referencingEdgesOf(schema)

  function tableNamed(name: string): AnyTable {
    const table = Object.hasOwn(schema.tables, name) ? schema.tables[name] : undefined
    if (table === undefined) throw new PlasmaError("invalid-query", `unknown table "${name}"`)
    return table
  }
  function rowsIn(name: string): Iterable<Readonly<Row>> {
    tableNamed(name)
    return store.rows(name)
  }

  function checkAuth(table: AnyTable, row: Readonly<Row>, image: "pre" | "post"): void {
    const write = table.$options.auth?.write
    if (options.ctx === undefined || write === undefined) return
    if (!write(options.ctx, row)) {
      throw new PlasmaError("write-denied", `table "${table.$name}": write refused for row "${String(row.id)}" (${image}-image)`, {
        details: { table: table.$name, id: String(row.id) },
      })
    }
  }

  /** Unique columns: `images` replace (by id) or add to the stored rows; no two may collide. */
  function checkUnique(table: AnyTable, images: readonly Row[]): void {
    const replaced = new Set(images.map((r) => r.id as string))
    for (const [name, column] of Object.entries(table.$columns)) {
      if (!column.config.unique || column.config.kind === "id") continue
      const seen = new Map<string, string>()
      const add = (row: Readonly<Row>): void => {
        const value = toSqlValue(column, row[name])
        if (value === null) return // UNIQUE allows any number of NULLs
        const key = sqlValueKey(value)
        const other = seen.get(key)
        if (other !== undefined) {
          throw constraint(`table "${table.$name}", column "${name}": value already used by row "${other}" (unique)`, { table: table.$name, column: name })
        }
        seen.set(key, row.id as string)
      }
      for (const row of rowsIn(table.$name)) if (!replaced.has(row.id as string)) add(row)
      for (const row of images) add(row)
    }
  }

  /** Every non-NULL ref of `images` points at a stored row or at one of `pending` (same statement). */
  function checkRefs(table: AnyTable, images: readonly Row[], pending: ReadonlySet<string>): void {
    for (const [name, column] of Object.entries(table.$columns)) {
      const target = refTargetOf(column)
      if (target === null) continue
      for (const row of images) {
        const value = row[name]
        if (value === null || value === undefined) continue
        const key = value as string
        if (store.get(target.table, key) !== undefined || (target.table === table.$name && pending.has(key))) continue
        throw constraint(`table "${table.$name}", column "${name}": row "${String(row.id)}" references "${target.table}" row "${key}", which does not exist`, {
          table: table.$name,
          column: name,
        })
      }
    }
  }

  function emit(changes: readonly MemoryChange[]): void {
    if (options.onChange === undefined) return
    for (const change of changes) options.onChange(change.value === null ? change : { ...change, value: copyRow(change.value) })
  }

  function insert(node: InsertNode): WriteResult {
    const table = tableNamed(node.table)
    const rows = node.rows.map((input) => prepareInsertRow(table, input))
    const ids = new Set<string>()
    for (const row of rows) {
      const id = row.id as string
      if (store.get(table.$name, id) !== undefined || ids.has(id)) throw constraint(`table "${table.$name}", column "id": a row with id "${id}" already exists`, { table: table.$name, column: "id" })
      ids.add(id)
    }
    checkUnique(table, rows)
    checkRefs(table, rows, ids)
    for (const row of rows) checkAuth(table, row, "post")
    for (const row of rows) store.put(table.$name, row)
    emit(rows.map((row) => ({ op: "put", table: table.$name, id: row.id as string, value: row })))
    return { rowsAffected: rows.length }
  }

  function update(node: UpdateNode): WriteResult {
    const table = tableNamed(node.table)
    const patch = preparePatch(table, node.set)
    const matched = [...rowsIn(table.$name)].filter((row) => matchesCondition(schema, table.$name, node.where, row))
    const images = matched.map((row) => ({ ...row, ...patch }))
    checkUnique(table, images)
    if (Object.keys(patch).some((name) => table.$columns[name]?.config.ref != null)) checkRefs(table, images, new Set())
    for (const row of matched) checkAuth(table, row, "pre")
    for (const row of images) checkAuth(table, row, "post")
    for (const row of images) store.put(table.$name, row)
    emit(images.map((row) => ({ op: "put", table: table.$name, id: row.id as string, value: row })))
    return { rowsAffected: matched.length }
  }

  function remove(node: DeleteNode): WriteResult {
    const table = tableNamed(node.table)
    const matched = [...rowsIn(table.$name)].filter((row) => matchesCondition(schema, table.$name, node.where, row))
    for (const row of matched) checkAuth(table, row, "pre")
    // Plan: the rows to delete (closed under cascade), then the set-nulls and refusals that
    // remain once all of them are gone.
    const deleted = new Map<string, Set<string>>()
    const order: { table: string; id: string }[] = []
    const queue = matched.map((row) => ({ table: table.$name, id: row.id as string }))
    const mark = (t: string, id: string): boolean => {
      const ids = deleted.get(t) ?? new Set<string>()
      deleted.set(t, ids)
      if (ids.has(id)) return false
      ids.add(id)
      return true
    }
    const isDeleted = (t: string, id: string): boolean => deleted.get(t)?.has(id) ?? false
    for (const item of queue) mark(item.table, item.id)
    while (queue.length > 0) {
      const item = queue.shift() as { table: string; id: string }
      order.push(item)
      for (const edge of referencing.get(item.table) ?? []) {
        if (edge.onDelete !== "cascade") continue
        for (const child of rowsIn(edge.table.$name)) {
          if (child[edge.column] === item.id && mark(edge.table.$name, child.id as string)) queue.push({ table: edge.table.$name, id: child.id as string })
        }
      }
    }
    const nulls = new Map<string, { table: string; row: Row }>()
    for (const item of order) {
      for (const edge of referencing.get(item.table) ?? []) {
        for (const child of rowsIn(edge.table.$name)) {
          const childId = child.id as string
          if (child[edge.column] !== item.id || isDeleted(edge.table.$name, childId)) continue
          if (edge.onDelete === "restrict" || edge.onDelete === "noAction") {
            throw constraint(
              `table "${item.table}": row "${item.id}" is still referenced by table "${edge.table.$name}", column "${edge.column}" (row "${childId}", onDelete ${edge.onDelete})`,
              { table: edge.table.$name, column: edge.column },
            )
          }
          if (edge.onDelete === "setNull") {
            const key = `${edge.table.$name}\u0000${childId}`
            const staged = nulls.get(key)?.row ?? { ...child }
            staged[edge.column] = null
            nulls.set(key, { table: edge.table.$name, row: staged })
          }
        }
      }
    }
    const changes: MemoryChange[] = []
    for (const item of order) {
      store.delete(item.table, item.id)
      changes.push({ op: "del", table: item.table, id: item.id, value: null })
    }
    for (const { table: t, row } of nulls.values()) {
      store.put(t, row)
      changes.push({ op: "put", table: t, id: row.id as string, value: row })
    }
    emit(changes)
    return { rowsAffected: matched.length }
  }

  const WRITES: { readonly [K in WriteNode["kind"]]: (node: WriteNode & { kind: K }) => WriteResult } = {
    insert,
    update,
    delete: remove,
  }

  const engine: QueryEngine = {
    async select(node: SelectNode) {
      validateQuery(schema, node)
      return evaluateSelect(schema, node, (name) => rowsIn(name))
    },
    async write(node: WriteNode) {
      validateQuery(schema, node)
      return (WRITES[node.kind] as (n: WriteNode) => WriteResult)(node)
    },
  }

  return {
    engine,
    db: createDb(schema, engine),
    rows: (name) => Array.from(rowsIn(name), copyRow),
    load(name, rows) {
      const table = tableNamed(name)
      const prepared = rows.map((row) => prepareInsertRow(table, row))
      for (const row of prepared) store.put(name, row)
    },
    apply(change) {
      const table = tableNamed(change.table)
      if (change.op === "del" || change.value === null) store.delete(table.$name, change.id)
      else store.put(table.$name, { ...prepareInsertRow(table, change.value), id: change.id })
    },
  }
}
