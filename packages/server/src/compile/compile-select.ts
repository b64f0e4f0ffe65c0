/**
 * The compiler from the core query AST to SQL, through Kysely. Identifiers come only from the
 * schema (the AST is validated first) and every value is a bound parameter. Ordering is
 * `orderingOf(node)`, the same list the in-memory evaluator uses, so both engines return the same
 * rows in the same order.
 */
import {
  columnOf,
  fromSqlValue,
  orderingOf,
  tableOf,
  toSqlValue,
  visitExpr,
  type AnyColumn,
  type AnySchema,
  type ExprNode,
  type SelectNode,
} from "@plasma/core"
import { sqliteDialect, toCompileOnlyDialect, type SqlQuery } from "@plasma/executors"
import { Kysely, sql, type AliasedRawBuilder, type Expression, type RawBuilder } from "kysely"

const compiler = new Kysely<any>({ dialect: toCompileOnlyDialect(sqliteDialect) })

/** IN lists longer than this bind one JSON array instead of one parameter per value (D1 allows 100). */
const JSON_IN_THRESHOLD = 32

type Sql = RawBuilder<unknown>

function ref(table: string, column: string): Sql {
  return sql.ref(`${table}.${column}`)
}

/** Encodes a value node for the column it is compared with (booleans 0/1, json as text…). */
function encodeFor(column: AnyColumn | null, value: unknown): unknown {
  if (column !== null) return toSqlValue(column, value)
  if (typeof value === "boolean") return value ? 1 : 0
  return value
}

function columnBeside(schema: AnySchema, node: ExprNode): AnyColumn | null {
  if (node.kind === "column") return columnOf(tableOf(schema, node.table), node.column)
  if (node.kind === "aggregate" && node.operand !== null && (node.fn === "min" || node.fn === "max")) {
    return columnOf(tableOf(schema, node.operand.table), node.operand.column)
  }
  return null
}

const COMPARE_SQL = { eq: "=", ne: "<>", gt: ">", gte: ">=", lt: "<", lte: "<=" } as const

/** Lowers one expression; `beside` is the column a value node is compared with. */
export function compileExpr(schema: AnySchema, node: ExprNode, beside: AnyColumn | null = null): Sql {
  return visitExpr<Sql>(node, {
    column: (n) => ref(n.table, n.column),
    value: (n) => sql`${encodeFor(beside, n.value)}`,
    compare: (n) => {
      const left = compileExpr(schema, n.left, columnBeside(schema, n.right))
      const right = compileExpr(schema, n.right, columnBeside(schema, n.left))
      return sql`(${left} ${sql.raw(COMPARE_SQL[n.op])} ${right})`
    },
    like: (n) => sql`(${compileExpr(schema, n.operand)} LIKE ${compileExpr(schema, n.pattern)})`,
    and: (n) => (n.operands.length === 0 ? sql`1` : sql`(${sql.join(n.operands.map((o) => compileExpr(schema, o)), sql` AND `)})`),
    or: (n) => (n.operands.length === 0 ? sql`0` : sql`(${sql.join(n.operands.map((o) => compileExpr(schema, o)), sql` OR `)})`),
    not: (n) => sql`(NOT ${compileExpr(schema, n.operand)})`,
    in: (n) => {
      // SQLite: `x IN ()` is false even when x is NULL; keep that without an empty list.
      if (n.values.length === 0) return sql`0`
      const column = columnBeside(schema, n.operand)
      const operand = compileExpr(schema, n.operand)
      const values = n.values.map((v) => (v.kind === "value" ? encodeFor(column, v.value) : undefined))
      const allPlain = values.every((v) => v === null || typeof v === "string" || typeof v === "number")
      if (n.values.length > JSON_IN_THRESHOLD && allPlain) {
        return sql`(${operand} IN (SELECT value FROM json_each(${JSON.stringify(values)})))`
      }
      return sql`(${operand} IN (${sql.join(n.values.map((v) => compileExpr(schema, v, column)))}))`
    },
    isNull: (n) => sql`(${compileExpr(schema, n.operand)} IS NULL)`,
    isNotNull: (n) => sql`(${compileExpr(schema, n.operand)} IS NOT NULL)`,
    aggregate: (n) => {
      if (n.operand === null) return sql`count(*)`
      return sql`${sql.raw(n.fn)}(${ref(n.operand.table, n.operand.column)})`
    },
  })
}

/** A compiled select: its SQL and how to turn its rows into the builder's result rows. */
export interface CompiledSelect {
  readonly query: SqlQuery
  decode(rows: readonly Record<string, unknown>[]): Record<string, unknown>[]
}

type Decoder = (raw: Readonly<Record<string, unknown>>) => Record<string, unknown>

function selectList(schema: AnySchema, node: SelectNode): { items: AliasedRawBuilder<unknown, string>[]; decode: Decoder } {
  if (node.projection !== null) {
    const items = node.projection.map((p) => compileExpr(schema, p.expr).as(p.alias))
    const decoders = node.projection.map((p) => {
      const column = p.expr.kind === "column" ? columnOf(tableOf(schema, p.expr.table), p.expr.column) : columnBeside(schema, p.expr)
      const fn = p.expr.kind === "aggregate" ? p.expr.fn : null
      return { alias: p.alias, column, fn }
    })
    return {
      items,
      decode: (raw) => {
        const out: Record<string, unknown> = {}
        for (const d of decoders) {
          const v = raw[d.alias] ?? null
          out[d.alias] = d.fn === "count" ? Number(v) : d.fn === "sum" || d.fn === "avg" ? (v === null ? null : Number(v)) : d.column === null ? v : fromSqlValue(d.column, v)
        }
        return out
      },
    }
  }
  const tables = [node.from, ...node.joins.map((j) => j.table)].map((name) => tableOf(schema, name))
  if (node.joins.length === 0) {
    const table = tables[0]!
    const columns = Object.entries(table.$columns)
    return {
      items: columns.map(([name]) => ref(table.$name, name).as(name)),
      decode: (raw) => {
        const out: Record<string, unknown> = {}
        for (const [name, column] of columns) out[name] = fromSqlValue(column, raw[name] ?? null)
        return out
      },
    }
  }
  // Joined rows nest by table name; aliases `_<i>_<column>` cannot collide across tables.
  const parts = tables.map((table, i) => ({ table, columns: Object.entries(table.$columns), prefix: `_${i}_` }))
  return {
    items: parts.flatMap((p) => p.columns.map(([name]) => ref(p.table.$name, name).as(`${p.prefix}${name}`))),
    decode: (raw) => {
      const out: Record<string, unknown> = {}
      for (const p of parts) {
        if (raw[`${p.prefix}id`] === null || raw[`${p.prefix}id`] === undefined) {
          out[p.table.$name] = null // the unmatched side of a LEFT JOIN
          continue
        }
        const row: Record<string, unknown> = {}
        for (const [name, column] of p.columns) row[name] = fromSqlValue(column, raw[`${p.prefix}${name}`] ?? null)
        out[p.table.$name] = row
      }
      return out
    },
  }
}

/** Compiles a validated select node. */
export function compileSelect(schema: AnySchema, node: SelectNode): CompiledSelect {
  const { items, decode } = selectList(schema, node)
  let query = compiler.selectFrom(node.from).select(items)
  for (const join of node.joins) {
    const on = compileExpr(schema, join.on)
    query = join.type === "inner" ? query.innerJoin(join.table, (jb) => jb.on(on as Expression<any>)) : query.leftJoin(join.table, (jb) => jb.on(on as Expression<any>))
  }
  if (node.where !== null) query = query.where(compileExpr(schema, node.where) as Expression<any>)
  if (node.groupBy.length > 0) query = query.groupBy(node.groupBy.map((c) => ref(c.table, c.column)))
  if (node.having !== null) query = query.having(compileExpr(schema, node.having) as Expression<any>)
  for (const order of orderingOf(node)) query = query.orderBy(compileExpr(schema, order.expr), order.direction)
  if (node.limit !== null) query = query.limit(node.limit)
  else if (node.offset !== null) query = query.limit(-1) // SQLite needs LIMIT before OFFSET
  if (node.offset !== null) query = query.offset(node.offset)
  const compiled = query.compile()
  return {
    query: { text: compiled.sql, params: compiled.parameters },
    decode: (rows) => rows.map(decode),
  }
}
