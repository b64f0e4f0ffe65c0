/**
 * `table()` declares one table: its columns, its auth predicates and its indexes. The returned
 * object carries the bound columns as properties (`todos.title`) and its metadata under `$`
 * names, which no column can take (column names are plain identifiers).
 */
import type { AnyColumn, Column } from "./column.js"

/** The per-request context `auth` returns; its shape is the app's. */
export type AuthContext = Readonly<Record<string, unknown>>

/** Row-level access rules, evaluated with the request's context. */
export interface TableAuth<Row> {
  /** May this context read `row`? Rows that fail are left out of pulls and blob reads. */
  read?(ctx: AuthContext, row: Row): boolean
  /** May this context write `row`? Checked on the row before and after every write. */
  write?(ctx: AuthContext, row: Row): boolean
}

export interface TableIndex {
  readonly columns: readonly string[]
  readonly unique?: boolean
  /** Defaults to `<table>_<col>_<col>_idx`. */
  readonly name?: string
}

export interface TableOptions<Row = Record<string, unknown>> {
  readonly auth?: TableAuth<Row>
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
export interface TableMeta<Name extends string, Cols extends ColumnMap> {
  readonly $name: Name
  readonly $columns: Cols
  readonly $options: TableOptions<RowOf<Cols>>
}

/** A declared table: its metadata plus its bound columns as properties. */
export type Table<Name extends string = string, Cols extends ColumnMap = ColumnMap> = TableMeta<Name, Cols> & Cols

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
 * Declares a table. Validation of names happens in `defineSchema`, which sees every table.
 * @example
 * const todos = table("todos", { id: id(), title: text(), done: boolean().default(false) })
 */
export function table<Name extends string, Cols extends ColumnMap>(
  name: Name,
  columns: Cols,
  options: TableOptions<RowOf<Cols>> = {},
): Table<Name, Cols> {
  const bound: Record<string, AnyColumn> = {}
  for (const [columnName, column] of Object.entries(columns)) bound[columnName] = column.bindTo(name, columnName)
  const meta = { $name: name, $columns: Object.freeze(bound), $options: Object.freeze({ ...options }) }
  return Object.freeze({ ...bound, ...meta }) as unknown as Table<Name, Cols>
}

/** `true` when `value` is a table declared with `table()`. */
export function isTable(value: unknown): value is AnyTable {
  return typeof value === "object" && value !== null && "$name" in value && "$columns" in value
}
