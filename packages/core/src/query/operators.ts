/**
 * Operators and aggregates. Each returns an expression wrapping one AST node; columns and plain
 * values are accepted wherever an operand is. Comparing with `null` through `eq`/`ne` turns into
 * `isNull`/`isNotNull`, because `x = NULL` is never true in SQL and that is never what is meant.
 */
import { PlasmaError } from "../errors/plasma-error.js"
import { Column, type AnyColumn } from "../schema/column.js"
import type { AggregateFn, AggregateNode, ColumnNode, CompareOp, ExprNode, OrderNode } from "./ast.js"

/** An expression of value type `T`, wrapping its AST node. */
export class SqlExpr<T> {
  declare readonly $type: T
  readonly node: ExprNode
  constructor(node: ExprNode) {
    this.node = node
  }
}

/** An aggregate expression; usable in projections, `having` and `orderBy`. */
export class AggregateExpr<T> extends SqlExpr<T> {
  declare readonly node: AggregateNode
}

/** A boolean condition, as taken by `where`, `having` and join `on`. */
export type Condition = SqlExpr<boolean>

/** Anything usable where a value of type `T` is expected. */
export type Operand<T> = Column<T, boolean, boolean> | SqlExpr<T> | T

/** The AST node of a bound column. */
export function columnNode(column: AnyColumn): ColumnNode {
  return { kind: "column", table: column.tableName, column: column.name }
}

/** The AST node of any operand. */
export function toExprNode(operand: unknown): ExprNode {
  if (operand instanceof Column) return columnNode(operand)
  if (operand instanceof SqlExpr) return operand.node
  if (operand === undefined) throw new PlasmaError("invalid-query", "undefined is not a valid operand; use null or isNull()")
  return { kind: "value", value: operand }
}

function isNullValue(operand: unknown): boolean {
  return operand === null
}

function compare<T>(op: CompareOp, left: Operand<T>, right: Operand<T> | null): Condition {
  return new SqlExpr({ kind: "compare", op, left: toExprNode(left), right: toExprNode(right) })
}

/** `left = right`; `eq(x, null)` means `isNull(x)`. */
export function eq<T>(left: Operand<T>, right: Operand<T> | null): Condition {
  return isNullValue(right) ? isNull(left) : compare("eq", left, right)
}
/** `left <> right`; `ne(x, null)` means `isNotNull(x)`. */
export function ne<T>(left: Operand<T>, right: Operand<T> | null): Condition {
  return isNullValue(right) ? isNotNull(left) : compare("ne", left, right)
}
export function gt<T>(left: Operand<T>, right: Operand<T>): Condition {
  return compare("gt", left, right)
}
export function gte<T>(left: Operand<T>, right: Operand<T>): Condition {
  return compare("gte", left, right)
}
export function lt<T>(left: Operand<T>, right: Operand<T>): Condition {
  return compare("lt", left, right)
}
export function lte<T>(left: Operand<T>, right: Operand<T>): Condition {
  return compare("lte", left, right)
}

/** All conditions hold. `and()` of nothing is true. */
export function and(...conditions: readonly (Condition | undefined)[]): Condition {
  const operands = conditions.filter((c): c is Condition => c !== undefined).map((c) => c.node)
  return new SqlExpr({ kind: "and", operands })
}
/** Any condition holds. `or()` of nothing is false. */
export function or(...conditions: readonly (Condition | undefined)[]): Condition {
  const operands = conditions.filter((c): c is Condition => c !== undefined).map((c) => c.node)
  return new SqlExpr({ kind: "or", operands })
}
export function not(condition: Condition): Condition {
  return new SqlExpr({ kind: "not", operand: condition.node })
}

/** `operand IN (values…)`. An empty list is false. */
export function inArray<T>(operand: Operand<T>, values: readonly T[]): Condition {
  if (!Array.isArray(values)) throw new PlasmaError("invalid-query", "inArray() takes an array of values")
  return new SqlExpr({ kind: "in", operand: toExprNode(operand), values: values.map((v) => toExprNode(v)) })
}
export function isNull(operand: Operand<unknown>): Condition {
  return new SqlExpr({ kind: "isNull", operand: toExprNode(operand) })
}
export function isNotNull(operand: Operand<unknown>): Condition {
  return new SqlExpr({ kind: "isNotNull", operand: toExprNode(operand) })
}
/** SQLite's LIKE: `%` any run, `_` one character, ASCII letters match either case. */
export function like(operand: Operand<string | null>, pattern: string): Condition {
  return new SqlExpr({ kind: "like", operand: toExprNode(operand), pattern: toExprNode(pattern) })
}

/** An ORDER BY term. */
export interface OrderTerm {
  readonly order: OrderNode
}
export function asc(operand: Operand<unknown>): OrderTerm {
  return { order: { expr: toExprNode(operand), direction: "asc" } }
}
export function desc(operand: Operand<unknown>): OrderTerm {
  return { order: { expr: toExprNode(operand), direction: "desc" } }
}

function aggregate<T>(fn: AggregateFn, column: AnyColumn | null): AggregateExpr<T> {
  return new AggregateExpr<T>({ kind: "aggregate", fn, operand: column === null ? null : columnNode(column) })
}

/** `count(*)`, or `count(column)` (non-NULL values). */
export function count(column?: AnyColumn): AggregateExpr<number> {
  return aggregate("count", column ?? null)
}
/** SQLite's `sum`: NULL over no rows. */
export function sum(column: Column<number, boolean, boolean> | Column<bigint, boolean, boolean>): AggregateExpr<number | null> {
  return aggregate("sum", column)
}
/** The mean as a real number; NULL over no rows. */
export function avg(column: Column<number, boolean, boolean> | Column<bigint, boolean, boolean>): AggregateExpr<number | null> {
  return aggregate("avg", column)
}
export function min<T>(column: Column<T, boolean, boolean>): AggregateExpr<T | null> {
  return aggregate("min", column)
}
export function max<T>(column: Column<T, boolean, boolean>): AggregateExpr<T | null> {
  return aggregate("max", column)
}
