/**
 * The in-memory engine: a `QueryEngine` over a row store (plain maps by default), used by browser
 * clients and tests, giving the same answers as the SQLite engines.
 *
 * Writes follow `planWrite`, the rules every engine shares (values, write predicate with `ctx`,
 * duplicate ids, unique columns, foreign keys, `onDelete` actions): each statement is planned in
 * full before anything is applied, so a failing write changes nothing. The plan is then applied
 * to the store row by row, and `onChange` fires once per row written, cascaded ones included.
 * Rows from the store are never mutated (every write puts a new row object), so a store may
 * freeze or share them. `changeLogSuppressed` tables behave like any other here.
 */
import { PlasmaError } from "../errors/plasma-error.js"
import type { AnySchema } from "../schema/define-schema.js"
import type { AnyTable, AuthContext } from "../schema/table.js"
import { prepareInsertRow } from "../schema/values.js"
import type { SelectNode, WriteNode } from "../query/ast.js"
import { createDb, type Db, type QueryEngine } from "../query/db.js"
import { validateQuery } from "../query/validate-query.js"
import { planWrite } from "../write/plan-write.js"
import { evaluateSelect } from "./evaluate-select.js"
import { createMapRowStore, type MemoryRowStore } from "./memory-row-store.js"
import { createStoreRowSource } from "./store-row-source.js"

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

function copyRow(row: Readonly<Row>): Row {
  return structuredClone(row)
}

/**
 * Creates an in-memory engine over `schema` and the `Db` that runs on it.
 * @example
 * const { db } = createMemoryEngine(schema)
 * await db.insert(todos).values({ id: "t1", title: "milk", ownerId: "u1", updatedAt: 1 })
 */
export function createMemoryEngine<S extends AnySchema>(schema: S, options: MemoryEngineOptions = {}): MemoryEngine<S> {
  const store = options.store ?? createMapRowStore()
  const source = createStoreRowSource(schema, store)
  const ctx = options.ctx ?? null

  function tableNamed(name: string): AnyTable {
    const table = Object.hasOwn(schema.tables, name) ? schema.tables[name] : undefined
    if (table === undefined) throw new PlasmaError("invalid-query", `unknown table "${name}"`)
    return table
  }
  function rowsIn(name: string): Iterable<Readonly<Row>> {
    tableNamed(name)
    return store.rows(name)
  }

  const engine: QueryEngine = {
    async select(node: SelectNode) {
      validateQuery(schema, node)
      return evaluateSelect(schema, node, (name) => rowsIn(name))
    },
    async write(node: WriteNode) {
      validateQuery(schema, node)
      const plan = await planWrite(schema, node, source, { ctx })
      for (const change of plan.changes) {
        if (change.op === "put") store.put(change.table, change.row)
        else store.delete(change.table, change.id)
      }
      if (options.onChange !== undefined) {
        for (const change of plan.changes) {
          options.onChange({ op: change.op, table: change.table, id: change.id, value: change.row === null ? null : copyRow(change.row) })
        }
      }
      return { rowsAffected: plan.rowsAffected }
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
