/**
 * `table()` declares one table: its columns, its auth predicates and its indexes. The returned
 * object carries the bound columns as properties (`todos.title`) and its metadata under `$`
 * names, which no column can take (column names are plain identifiers).
 */
import type { AnyColumn, Column } from "./column.js"

/** The per-request context `auth` returns; its shape is the app's. */
export type AuthContext = Readonly<Record<string, unknown>>

/**
 * Row-level access rules, evaluated with the request's context: what `auth` returned (sync
 * handler) or the `ctx` given to `createServerDb`. Annotate `ctx` with the app's type and it is
 * kept: `read: (ctx: TodoCtx, row) => row.ownerId === ctx.userId`.
 */
export interface TableAuth<Row, Ctx = AuthContext> {
  /** May this context read `row`? Rows that fail are left out of pulls and blob reads. */
  read?(ctx: Ctx, row: Row): boolean
  /** May this context write `row`? Checked on the row before and after every write. */
  write?(ctx: Ctx, row: Row): boolean
}

export interface TableIndex {
  readonly columns: readonly string[]
  readonly unique?: boolean
  /** Defaults to `<table>_<col>_<col>_idx`. */
  readonly name?: string
}

export interface TableOptions<Row = Record<string, unknown>, Ctx = AuthContext> {
  readonly auth?: TableAuth<Row, Ctx>
  /** A local-only table: never logged, never synced. */
  readonly changeLogSuppressed?: boolean
  readonly indexes?: readonly TableIndex[]
}

export type ColumnMap = Readonly<Record<string, AnyColumn>>

/** The JavaScript type of one column's values, NULL included when nullable. */
export type ColumnValue<C> = C extends Column<infer T, infer N, boolean> ? (N extends true ? T | null : T) : never

/** The row shape of a column map (what a select returns). */
export type RowOf<Cols extends ColumnMap> = { -readonly [K in keyof Cols]: ColumnValue<Cols[K]> }

type OptionalInsertKeys<Cols extends ColumnMap> = {
  [K in keyof Cols]: Cols[K] extends Column<unknown, infer N, infer D> ? (N extends true ? K : D extends true ? K : never) : never
}[keyof Cols]

/** The insert shape of a column map: nullable and defaulted columns may be left out. */
export type InsertOf<Cols extends ColumnMap> = {
  -readonly [K in Exclude<keyof Cols, OptionalInsertKeys<Cols>>]: ColumnValue<Cols[K]>
} & { -readonly [K in OptionalInsertKeys<Cols>]?: ColumnValue<Cols[K]> }

/** Table metadata, kept under `$` names so they never collide with columns. */
export interface TableMeta<Name extends string, Cols extends ColumnMap, Ctx = AuthContext> {
  readonly $name: Name
  readonly $columns: Cols
  readonly $options: TableOptions<RowOf<Cols>, Ctx>
}

/** A declared table: its metadata plus its bound columns as properties. */
export type Table<Name extends string = string, Cols extends ColumnMap = ColumnMap, Ctx = AuthContext> = TableMeta<Name, Cols, Ctx> & Cols

/**
 * Any table, whatever its columns. Only the metadata is required: a concrete table's column
 * properties cannot satisfy an index signature (its `$` names are not columns), so requiring
 * `& ColumnMap` here made no declared table assignable to `AnyTable`.
 */
export type AnyTable = TableMeta<string, ColumnMap>

/** The select shape of a table: `InferRow<typeof todos>`. */
export type InferRow<T extends AnyTable> = RowOf<T["$columns"]>

/** The insert shape of a table: `InferInsert<typeof todos>`. */
export type InferInsert<T extends AnyTable> = InsertOf<T["$columns"]>

/**
 * Declares a table. Validation of names happens in `defineSchema`, which sees every table. The
 * context type of its auth predicates is inferred from their `ctx` annotation (default
 * `AuthContext`).
 * @example
 * const todos = table("todos", { id: id(), title: text(), ownerId: text() }, {
 *   auth: { read: (ctx: TodoCtx, row) => row.ownerId === ctx.userId },
 * })
 */
export function table<Name extends string, Cols extends ColumnMap, Ctx = AuthContext>(
  name: Name,
  columns: Cols,
  options: TableOptions<RowOf<Cols>, Ctx> = {},
): Table<Name, Cols, Ctx> {
  const bound: Record<string, AnyColumn> = {}
  for (const [columnName, column] of Object.entries(columns)) bound[columnName] = column.bindTo(name, columnName)
  const meta = { $name: name, $columns: Object.freeze(bound), $options: Object.freeze({ ...options }) }
  return Object.freeze({ ...bound, ...meta }) as unknown as Table<Name, Cols, Ctx>
}

/** `true` when `value` is a table declared with `table()`. */
export function isTable(value: unknown): value is AnyTable {
  return typeof value === "object" && value !== null && "$name" in value && "$columns" in value
}
