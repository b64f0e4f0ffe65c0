/**
 * Lowering one expression of the core AST to Kysely SQL. Dispatch goes through core's
 * `ExprVisitor` (a record keyed by every `ExprKind`), so a new node kind does not compile until
 * this file lowers it. Identifiers come only from the schema (the AST is validated first) and
 * from the lookup tables below, never from a node's own strings; every value is a parameter.
 */
import { visitExpr, type AnyColumn, type AnySchema, type ExprNode, type ExprVisitor } from "@plasma/core"
import { sql } from "kysely"
import { columnBeside, directBinder, usesJsonList, type Binder, type Sql } from "./select-binder.js"

// Lookup tables, never the node's own string: only these exact texts can reach the SQL.
const COMPARE_SQL = { eq: "=", ne: "<>", gt: ">", gte: ">=", lt: "<", lte: "<=" } as const
const AGGREGATE_SQL = { count: "count", sum: "sum", avg: "avg", min: "min", max: "max" } as const

/** `table.column`, quoted by Kysely. */
export function columnRef(table: string, column: string): Sql {
  return sql.ref(`${table}.${column}`)
}

function lowering(schema: AnySchema, beside: AnyColumn | null, binder: Binder): ExprVisitor<Sql> {
  const sub = (n: ExprNode, b: AnyColumn | null = null): Sql => compileExpr(schema, n, b, binder)
  return {
    column: (n) => columnRef(n.table, n.column),
    value: (n) => binder.value(n, beside),
    compare: (n) => {
      const left = sub(n.left, columnBeside(schema, n.right))
      const right = sub(n.right, columnBeside(schema, n.left))
      return sql`(${left} ${sql.raw(COMPARE_SQL[n.op])} ${right})`
    },
    like: (n) => sql`(${sub(n.operand)} LIKE ${sub(n.pattern)})`,
    // `(1 = 1)` / `(1 = 0)`, not `1` / `0`: Postgres wants a boolean where SQLite takes an integer.
    and: (n) => (n.operands.length === 0 ? sql`(1 = 1)` : sql`(${sql.join(n.operands.map((o) => sub(o)), sql` AND `)})`),
    or: (n) => (n.operands.length === 0 ? sql`(1 = 0)` : sql`(${sql.join(n.operands.map((o) => sub(o)), sql` OR `)})`),
    not: (n) => sql`(NOT ${sub(n.operand)})`,
    in: (n) => {
      // SQLite: `x IN ()` is false even when x is NULL; keep that without an empty list.
      if (n.values.length === 0) return sql`(1 = 0)`
      const column = columnBeside(schema, n.operand)
      const operand = sub(n.operand)
      if (usesJsonList(n, column)) return sql`(${operand} IN (SELECT value FROM json_each(${binder.jsonList(n, column)})))`
      return sql`(${operand} IN (${sql.join(n.values.map((v) => sub(v, column)))}))`
    },
    isNull: (n) => sql`(${sub(n.operand)} IS NULL)`,
    isNotNull: (n) => sql`(${sub(n.operand)} IS NOT NULL)`,
    aggregate: (n) => {
      if (n.operand === null) return sql`count(*)`
      return sql`${sql.raw(AGGREGATE_SQL[n.fn])}(${columnRef(n.operand.table, n.operand.column)})`
    },
  }
}

/**
 * Lowers one expression; `beside` is the column a value node is compared with.
 * @example
 * compileExpr(schema, eq(todos.done, true).node) // sql`("todos"."done" = ?)` with parameter 1
 */
export function compileExpr(schema: AnySchema, node: ExprNode, beside: AnyColumn | null = null, binder: Binder = directBinder): Sql {
  return visitExpr<Sql>(node, lowering(schema, beside, binder))
}
