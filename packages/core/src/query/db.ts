/**
 * `Db<S>`: the query builder over a schema. Builders are immutable (each call returns a new
 * builder) and thenable (awaiting one runs it through the engine the `Db` was created with).
 * They only create AST nodes; engines decide what the nodes mean.
 */
import { PlasmaError } from "../errors/plasma-error.js"
import type { AnySchema, Schema, TableMap } from "../schema/define-schema.js"
import type { Column } from "../schema/column.js"
import type { AnyTable, InferInsert, InferRow } from "../schema/table.js"
import { createSelectNode, type ExprNode, type ProjectionItem, type SelectNode, type WriteNode, type WriteResult } from "./ast.js"
import { AggregateExpr, columnNode, type Condition, type OrderTerm, SqlExpr, toExprNode } from "./operators.js"
import { Column as ColumnClass } from "../schema/column.js"

/** What a `Db` runs its nodes on. Implemented by the memory engine and the server engines. */
export interface QueryEngine {
  select(node: SelectNode): Promise<Record<string, unknown>[]>
  write(node: WriteNode): Promise<WriteResult>
}

/**
 * Hooks a `Db` offers beyond running nodes. `live` turns a select's node into a live query:
 * `@plasma/client` passes it, so its select builders gain `.live()`; elsewhere `.live()` throws.
 */
export interface DbHooks {
  readonly live?: (node: SelectNode) => unknown
}

/** A projection: output names mapped to columns or aggregates. */
export type Projection = Readonly<Record<string, Column<any, boolean, boolean> | AggregateExpr<any>>>

/** The row type a projection produces. */
export type ProjectionResult<P extends Projection> = {
  -readonly [K in keyof P]: P[K] extends Column<infer T, infer N, boolean> ? (N extends true ? T | null : T) : P[K] extends SqlExpr<infer T> ? T : never
}

type Simplify<T> = { [K in keyof T]: T[K] } & {}

/** A thenable builder: awaiting it runs the query. */
interface Runnable<R> extends PromiseLike<R> {
  /** The AST node this builder has built. */
  toNode(): SelectNode | WriteNode
}

type Joined<N, T extends AnyTable, Nullable extends boolean> = Simplify<N & { [K in T["$name"]]: Nullable extends true ? InferRow<T> | null : InferRow<T> }>

/**
 * A select that has its table. `R` is the row type. `N` is the nested row type a join produces
 * when the select has no projection (`undefined` once a projection fixes the shape).
 */
export interface SelectQuery<R, N = undefined> extends Runnable<R[]> {
  /** Adds a condition; several `where` calls are ANDed. */
  where(condition: Condition): SelectQuery<R, N>
  /** Orders by columns (ascending), `asc(…)`/`desc(…)` terms or aggregates. Ties fall back to `id`. */
  orderBy(...terms: readonly (OrderTerm | Column<any, boolean, boolean> | AggregateExpr<any>)[]): SelectQuery<R, N>
  limit(count: number): SelectQuery<R, N>
  offset(count: number): SelectQuery<R, N>
  groupBy(...columns: readonly Column<any, boolean, boolean>[]): SelectQuery<R, N>
  having(condition: Condition): SelectQuery<R, N>
  innerJoin<T extends AnyTable>(table: T, on: Condition): N extends undefined ? SelectQuery<R> : SelectQuery<Joined<N, T, false>, Joined<N, T, false>>
  leftJoin<T extends AnyTable>(table: T, on: Condition): N extends undefined ? SelectQuery<R> : SelectQuery<Joined<N, T, true>, Joined<N, T, true>>
  toNode(): SelectNode
}

export interface SelectFrom<P extends Projection | undefined> {
  from<T extends AnyTable>(
    table: T,
  ): P extends Projection ? SelectQuery<ProjectionResult<P>> : SelectQuery<InferRow<T>, { [K in T["$name"]]: InferRow<T> }>
}

export interface InsertBuilder<T extends AnyTable> {
  values(rows: InferInsert<T> | readonly InferInsert<T>[]): Runnable<WriteResult>
}
export interface UpdateBuilder<T extends AnyTable> {
  set(patch: Partial<InferRow<T>>): UpdateWhere
}
export interface UpdateWhere extends Runnable<WriteResult> {
  where(condition: Condition): UpdateWhere
}
export interface DeleteBuilder extends Runnable<WriteResult> {
  where(condition: Condition): DeleteBuilder
}

/** The query builder of one schema. */
export interface Db<S extends AnySchema = AnySchema> {
  readonly schema: S
  select(): SelectFrom<undefined>
  select<P extends Projection>(projection: P): SelectFrom<P>
  insert<T extends S extends Schema<infer M extends TableMap> ? M[keyof M] : AnyTable>(table: T): InsertBuilder<T>
  update<T extends S extends Schema<infer M extends TableMap> ? M[keyof M] : AnyTable>(table: T): UpdateBuilder<T>
  delete<T extends S extends Schema<infer M extends TableMap> ? M[keyof M] : AnyTable>(table: T): DeleteBuilder
}

function checkCount(what: string, value: number): number {
  if (!Number.isSafeInteger(value) || value < 0) throw new PlasmaError("invalid-query", `${what}() takes a whole number ≥ 0, got ${String(value)}`)
  return value
}

function andWhere(existing: ExprNode | null, next: Condition): ExprNode {
  if (!(next instanceof SqlExpr)) throw new PlasmaError("invalid-query", "where()/having() take a condition built with eq(), and(), …")
  return existing === null ? next.node : { kind: "and", operands: [existing, next.node] }
}

class Thenable<R> implements PromiseLike<R> {
  constructor(readonly run: () => Promise<R>) {}
  then<A = R, B = never>(onfulfilled?: ((value: R) => A | PromiseLike<A>) | null, onrejected?: ((reason: unknown) => B | PromiseLike<B>) | null): PromiseLike<A | B> {
    return this.run().then(onfulfilled, onrejected)
  }
}

class SelectBuilder extends Thenable<Record<string, unknown>[]> {
  readonly #engine: QueryEngine
  readonly #node: SelectNode
  readonly #hooks: DbHooks
  constructor(engine: QueryEngine, node: SelectNode, hooks: DbHooks) {
    super(() => engine.select(node))
    this.#engine = engine
    this.#node = node
    this.#hooks = hooks
  }
  #with(patch: Partial<SelectNode>): SelectBuilder {
    return new SelectBuilder(this.#engine, { ...this.#node, ...patch }, this.#hooks)
  }
  toNode(): SelectNode {
    return this.#node
  }
  /** A live query over this select; only a `Db` created with a `live` hook (the client's) has one. */
  live(): unknown {
    if (this.#hooks.live === undefined) throw new PlasmaError("invalid-query", "live() needs a Db that offers live queries (the one of @plasma/client)")
    return this.#hooks.live(this.#node)
  }
  where(condition: Condition): SelectBuilder {
    return this.#with({ where: andWhere(this.#node.where, condition) })
  }
  having(condition: Condition): SelectBuilder {
    return this.#with({ having: andWhere(this.#node.having, condition) })
  }
  orderBy(...terms: readonly unknown[]): SelectBuilder {
    const orders = terms.map((term) =>
      typeof term === "object" && term !== null && "order" in term ? (term as OrderTerm).order : { expr: toExprNode(term), direction: "asc" as const },
    )
    return this.#with({ orderBy: [...this.#node.orderBy, ...orders] })
  }
  limit(count: number): SelectBuilder {
    return this.#with({ limit: checkCount("limit", count) })
  }
  offset(count: number): SelectBuilder {
    return this.#with({ offset: checkCount("offset", count) })
  }
  groupBy(...columns: readonly Column<unknown, boolean, boolean>[]): SelectBuilder {
    return this.#with({ groupBy: [...this.#node.groupBy, ...columns.map((c) => columnNode(c))] })
  }
  innerJoin(table: AnyTable, on: Condition): SelectBuilder {
    return this.#with({ joins: [...this.#node.joins, { type: "inner", table: table.$name, on: andWhere(null, on) }] })
  }
  leftJoin(table: AnyTable, on: Condition): SelectBuilder {
    return this.#with({ joins: [...this.#node.joins, { type: "left", table: table.$name, on: andWhere(null, on) }] })
  }
}

class WriteBuilder extends Thenable<WriteResult> {
  readonly #engine: QueryEngine
  readonly #node: WriteNode
  constructor(engine: QueryEngine, node: WriteNode) {
    super(() => engine.write(node))
    this.#engine = engine
    this.#node = node
  }
  toNode(): WriteNode {
    return this.#node
  }
  where(condition: Condition): WriteBuilder {
    const node = this.#node
    if (node.kind === "insert") throw new PlasmaError("invalid-query", "insert has no where()")
    return new WriteBuilder(this.#engine, { ...node, where: andWhere(node.where, condition) })
  }
}

function toProjection(projection: Projection): ProjectionItem[] {
  return Object.entries(projection).map(([alias, value]) => {
    if (value instanceof ColumnClass) return { alias, expr: columnNode(value) }
    if (value instanceof AggregateExpr) return { alias, expr: value.node }
    throw new PlasmaError("invalid-query", `projection "${alias}" must be a column or an aggregate`)
  })
}

function tableNameOf(schema: AnySchema, table: AnyTable): string {
  const name = (table as { $name?: unknown } | undefined)?.$name
  if (typeof name !== "string" || !Object.hasOwn(schema.tables, name)) {
    throw new PlasmaError("invalid-query", `unknown table ${typeof name === "string" ? `"${name}"` : "(not a table)"}; the schema has ${Object.keys(schema.tables).join(", ")}`)
  }
  return name
}

/**
 * Creates the query builder of `schema` over `engine`. `hooks.live`, when given, backs the
 * select builders' `.live()` (see {@link DbHooks}).
 * @example
 * const db = createDb(schema, engine)
 * const open = await db.select().from(todos).where(eq(todos.done, false)).orderBy(desc(todos.updatedAt))
 */
export function createDb<S extends AnySchema>(schema: S, engine: QueryEngine, hooks: DbHooks = {}): Db<S> {
  const db = {
    schema,
    select(projection?: Projection) {
      const items = projection === undefined ? null : toProjection(projection)
      return { from: (table: AnyTable) => new SelectBuilder(engine, createSelectNode(tableNameOf(schema, table), items), hooks) }
    },
    insert(table: AnyTable) {
      const name = tableNameOf(schema, table)
      return {
        values: (rows: unknown) =>
          new WriteBuilder(engine, { kind: "insert", table: name, rows: (Array.isArray(rows) ? rows : [rows]) as Record<string, unknown>[] }),
      }
    },
    update(table: AnyTable) {
      const name = tableNameOf(schema, table)
      return { set: (patch: Record<string, unknown>) => new WriteBuilder(engine, { kind: "update", table: name, set: patch, where: null }) }
    },
    delete(table: AnyTable) {
      return new WriteBuilder(engine, { kind: "delete", table: tableNameOf(schema, table), where: null })
    },
  }
  return db as unknown as Db<S>
}
