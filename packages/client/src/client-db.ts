/**
 * `ClientDb<S>`: core's `Db` over the optimistic view, whose select builders also have
 * `.live()`. The builder types are core's, re-declared here only to carry `.live()` through
 * every chained call.
 */
import type { AggregateExpr, AnySchema, AnyTable, Column, Condition, Db, InferRow, OrderTerm, Projection, ProjectionResult, SelectNode } from "@plasma/core"
import type { LiveQuery } from "./live/index.js"

type Simplify<T> = { [K in keyof T]: T[K] } & {}
type Joined<N, T extends AnyTable, Nullable extends boolean> = Simplify<N & { [K in T["$name"]]: Nullable extends true ? InferRow<T> | null : InferRow<T> }>

/** Core's `SelectQuery` plus `.live()`. */
export interface LiveSelectQuery<R, N = undefined> extends PromiseLike<R[]> {
  where(condition: Condition): LiveSelectQuery<R, N>
  orderBy(...terms: readonly (OrderTerm | Column<any, boolean, boolean> | AggregateExpr<any>)[]): LiveSelectQuery<R, N>
  limit(count: number): LiveSelectQuery<R, N>
  offset(count: number): LiveSelectQuery<R, N>
  groupBy(...columns: readonly Column<any, boolean, boolean>[]): LiveSelectQuery<R, N>
  having(condition: Condition): LiveSelectQuery<R, N>
  innerJoin<T extends AnyTable>(table: T, on: Condition): N extends undefined ? LiveSelectQuery<R> : LiveSelectQuery<Joined<N, T, false>, Joined<N, T, false>>
  leftJoin<T extends AnyTable>(table: T, on: Condition): N extends undefined ? LiveSelectQuery<R> : LiveSelectQuery<Joined<N, T, true>, Joined<N, T, true>>
  toNode(): SelectNode
  /**
   * A live query over this select and the optimistic view: `subscribe` fires when its result
   * changes, `whenReady()` resolves with the first result.
   * @example
   * const stop = plasma.db.select().from(todos).where(eq(todos.done, false)).live().subscribe(render)
   */
  live(): LiveQuery<R>
}

export interface LiveSelectFrom<P extends Projection | undefined> {
  from<T extends AnyTable>(table: T): P extends Projection ? LiveSelectQuery<ProjectionResult<P>> : LiveSelectQuery<InferRow<T>, { [K in T["$name"]]: InferRow<T> }>
}

/**
 * The client's query builder: reads and live queries over the optimistic view (base + pending
 * mutations). Write through `mutate`: writes made directly on this `Db` are refused, since they
 * would never reach the server.
 */
export interface ClientDb<S extends AnySchema = AnySchema> extends Omit<Db<S>, "select"> {
  select(): LiveSelectFrom<undefined>
  select<P extends Projection>(projection: P): LiveSelectFrom<P>
}
