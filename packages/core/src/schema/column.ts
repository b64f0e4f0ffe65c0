/**
 * Column builders of the schema DSL. A column is an immutable description: every modifier
 * returns a new column. `table()` binds each column to its table and name, which turns it into
 * an operand the query builder accepts (`eq(todos.done, true)`).
 */

/** Every kind of column. `id` is the text primary key every table has. */
export type ColumnKind = "id" | "text" | "int" | "real" | "bigint" | "boolean" | "json" | "blob" | "file" | "ref"

/** What a foreign key does when the referenced row is deleted. */
export type OnDelete = "noAction" | "cascade" | "setNull" | "restrict"

/** A file column's value: a manifest whose bytes live in blob storage. */
export interface FileRef {
  /** SHA-256 of the bytes, 64 lowercase hex characters. */
  readonly hash: string
  readonly size: number
  readonly mime: string
  readonly name?: string
}

/** Limits checked when bytes are uploaded for a file column. */
export interface FileColumnOptions {
  /** Largest accepted upload in bytes. */
  readonly maxSize?: number
  /** Accepted MIME types; `type/*` matches a whole family. */
  readonly mimeAllowList?: readonly string[]
}

export interface RefTarget {
  readonly table: string
  readonly column: string
}

/** The runtime description of a column. */
export interface ColumnConfig {
  readonly kind: ColumnKind
  readonly nullable: boolean
  readonly unique: boolean
  readonly hasDefault: boolean
  readonly defaultValue: unknown
  readonly file: FileColumnOptions | null
  readonly ref: { readonly target: () => Column<unknown, boolean, boolean>; readonly onDelete: OnDelete } | null
  /** Set by `table()`. */
  readonly tableName: string | null
  /** Set by `table()`. */
  readonly name: string | null
}

/**
 * A column of type `T`. `N` is whether it is nullable, `D` whether it has a default; both shape
 * the inferred insert type.
 */
export class Column<T, N extends boolean = false, D extends boolean = false> {
  /** Type-only brand carrying the value type; never set at runtime. */
  declare readonly $type: T
  declare readonly $nullable: N
  declare readonly $hasDefault: D
  readonly config: ColumnConfig

  constructor(config: ColumnConfig) {
    this.config = Object.freeze(config)
  }

  /** The column may hold NULL. */
  nullable(): Column<T, true, D> {
    return new Column({ ...this.config, nullable: true })
  }

  /** The engine fills `value` in on insert when the row leaves the column out. */
  default(value: T): Column<T, N, true> {
    return new Column({ ...this.config, hasDefault: true, defaultValue: value })
  }

  /** No two rows may hold the same non-NULL value. */
  unique(): Column<T, N, D> {
    return new Column({ ...this.config, unique: true })
  }

  /** The table this column belongs to; throws before `table()` has bound it. */
  get tableName(): string {
    if (this.config.tableName === null) throw new Error("column is not part of a table yet")
    return this.config.tableName
  }

  /** The column's SQL name; throws before `table()` has bound it. */
  get name(): string {
    if (this.config.name === null) throw new Error("column is not part of a table yet")
    return this.config.name
  }

  /** @internal Binds the column to its table; used by `table()`. */
  bindTo(tableName: string, name: string): this {
    return new Column({ ...this.config, tableName, name }) as this
  }
}

/** Any column, whatever its types. */
export type AnyColumn = Column<any, boolean, boolean>

function create<T>(kind: ColumnKind, extra: Partial<ColumnConfig> = {}): Column<T> {
  return new Column<T>({
    kind,
    nullable: false,
    unique: false,
    hasDefault: false,
    defaultValue: undefined,
    file: null,
    ref: null,
    tableName: null,
    name: null,
    ...extra,
  })
}

/** The text primary key. Exactly one per table, named `id`. */
export function id(): Column<string> {
  return create("id")
}

// `NoInfer` keeps a contextual type (`Column<any>` inside `table()`'s column map) from inferring
// `T`, which would otherwise turn every text column into `any`; `T` stays `string` unless given.
export function text<T extends string = string>(): Column<NoInfer<T>> {
  return create("text")
}

/** A whole number that fits a JavaScript number (±2^53). */
export function int(): Column<number> {
  return create("int")
}

export function real(): Column<number> {
  return create("real")
}

/** A 64-bit integer, surfaced as `bigint`. Stored as SQLite INTEGER. */
export function bigint(): Column<bigint> {
  return create("bigint")
}

/** Stored as 0/1, read back as `true`/`false`. */
export function boolean(): Column<boolean> {
  return create("boolean")
}

/** Any JSON value, stored as JSON text. */
export function json<T = unknown>(): Column<NoInfer<T>> {
  return create("json")
}

/** Inline bytes (small values; use `file()` for anything large). */
export function blob(): Column<Uint8Array> {
  return create("blob")
}

/**
 * A file manifest whose bytes live in blob storage, addressed by SHA-256.
 * @example
 * attachment: file({ maxSize: 5_000_000, mimeAllowList: ["image/*"] }).nullable()
 */
export function file(options: FileColumnOptions = {}): Column<FileRef> {
  return create("file", { file: Object.freeze({ ...options }) })
}

/**
 * A foreign key to another table's `id`.
 * @example
 * listId: ref(() => lists.id, { onDelete: "cascade" })
 */
export function ref(target: () => Column<string, boolean, boolean>, options: { onDelete?: OnDelete } = {}): Column<string> {
  return create("ref", { ref: { target, onDelete: options.onDelete ?? "noAction" } })
}

/** Where a `ref` column points, resolved lazily (tables may reference each other). */
export function refTargetOf(column: AnyColumn): RefTarget | null {
  const ref = column.config.ref
  if (ref === null) return null
  const target = ref.target()
  return { table: target.tableName, column: target.name }
}
