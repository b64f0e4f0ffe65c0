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
  type InNode,
  type SelectNode,
  type ValueNode,
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

// Lookup tables, never the node's own string: only these exact texts can reach the SQL.
const COMPARE_SQL = { eq: "=", ne: "<>", gt: ">", gte: ">=", lt: "<", lte: "<=" } as const
const AGGREGATE_SQL = { count: "count", sum: "sum", avg: "avg", min: "min", max: "max" } as const

/**
 * How value nodes become parameters. The direct binder encodes them; the template binder (see
 * `compileSelect`) binds a sentinel per slot so the compiled text can be reused for other values.
 */
interface Binder {
  value(node: ValueNode, beside: AnyColumn | null): Sql
  jsonList(node: InNode, column: AnyColumn | null): Sql
}

const directBinder: Binder = {
  value: (node, beside) => sql`${encodeFor(beside, node.value)}`,
  jsonList: (node, column) => sql`${jsonListOf(node, column)}`,
}

function jsonListOf(node: InNode, column: AnyColumn | null): string {
  return JSON.stringify(node.values.map((v) => (v.kind === "value" ? encodeFor(column, v.value) : null)))
}

/** `true` when an IN list binds as one JSON array: long, and every value JSON-safe once encoded. */
function usesJsonList(node: InNode, column: AnyColumn | null): boolean {
  if (node.values.length <= JSON_IN_THRESHOLD) return false
  return node.values.every((v) => {
    if (v.kind !== "value") return false
    const e = encodeFor(column, v.value)
    return e === null || typeof e === "string" || typeof e === "number"
  })
}

/** Lowers one expression; `beside` is the column a value node is compared with. */
export function compileExpr(schema: AnySchema, node: ExprNode, beside: AnyColumn | null = null, binder: Binder = directBinder): Sql {
  const sub = (n: ExprNode, b: AnyColumn | null = null): Sql => compileExpr(schema, n, b, binder)
  return visitExpr<Sql>(node, {
    column: (n) => ref(n.table, n.column),
    value: (n) => binder.value(n, beside),
    compare: (n) => {
      const left = sub(n.left, columnBeside(schema, n.right))
      const right = sub(n.right, columnBeside(schema, n.left))
      return sql`(${left} ${sql.raw(COMPARE_SQL[n.op])} ${right})`
    },
    like: (n) => sql`(${sub(n.operand)} LIKE ${sub(n.pattern)})`,
    and: (n) => (n.operands.length === 0 ? sql`1` : sql`(${sql.join(n.operands.map((o) => sub(o)), sql` AND `)})`),
    or: (n) => (n.operands.length === 0 ? sql`0` : sql`(${sql.join(n.operands.map((o) => sub(o)), sql` OR `)})`),
    not: (n) => sql`(NOT ${sub(n.operand)})`,
    in: (n) => {
      // SQLite: `x IN ()` is false even when x is NULL; keep that without an empty list.
      if (n.values.length === 0) return sql`0`
      const column = columnBeside(schema, n.operand)
      const operand = sub(n.operand)
      if (usesJsonList(n, column)) return sql`(${operand} IN (SELECT value FROM json_each(${binder.jsonList(n, column)})))`
      return sql`(${operand} IN (${sql.join(n.values.map((v) => sub(v, column)))}))`
    },
    isNull: (n) => sql`(${sub(n.operand)} IS NULL)`,
    isNotNull: (n) => sql`(${sub(n.operand)} IS NOT NULL)`,
    aggregate: (n) => {
      if (n.operand === null) return sql`count(*)`
      return sql`${sql.raw(AGGREGATE_SQL[n.fn])}(${ref(n.operand.table, n.operand.column)})`
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

/** One bindable place in a select: a value, a JSON-bound IN list, or LIMIT/OFFSET. */
interface Slot {
  readonly node: ExprNode | "limit" | "offset"
  encode(): unknown
}

/**
 * Walks a select in a fixed order, collecting its slots and a key that is equal for two selects
 * exactly when they compile to the same SQL text (same shape, different values).
 */
function analyze(schema: AnySchema, node: SelectNode): { key: string; slots: Slot[]; shared: boolean } {
  const slots: Slot[] = []
  const seen = new Set<ExprNode>()
  // The template binds sentinels by node identity: an AST that holds one value node at two
  // places (`or(c, c)`) has fewer distinct slots than its shape, so its template must not be
  // reused for a same-shaped query whose nodes are distinct.
  let shared = false
  const parts: string[] = [node.from, JSON.stringify(node.projection)]
  const walk = (n: ExprNode, beside: AnyColumn | null): void => {
    parts.push(n.kind)
    switch (n.kind) {
      case "value":
        if (seen.has(n)) shared = true
        seen.add(n)
        slots.push({ node: n, encode: () => encodeFor(beside, n.value) })
        return
      case "column":
        parts.push(n.table, n.column)
        return
      case "aggregate":
        parts.push(n.fn, n.operand === null ? "*" : `${n.operand.table}.${n.operand.column}`)
        return
      case "compare":
        parts.push(n.op)
        walk(n.left, columnBeside(schema, n.right))
        walk(n.right, columnBeside(schema, n.left))
        return
      case "like":
        walk(n.operand, null)
        walk(n.pattern, null)
        return
      case "and":
      case "or":
        parts.push(String(n.operands.length))
        for (const o of n.operands) walk(o, null)
        return
      case "not":
      case "isNull":
      case "isNotNull":
        walk(n.operand, null)
        return
      case "in": {
        const column = columnBeside(schema, n.operand)
        walk(n.operand, null)
        if (n.values.length > 0 && usesJsonList(n, column)) {
          parts.push("json")
          if (seen.has(n)) shared = true
          seen.add(n)
          slots.push({ node: n, encode: () => jsonListOf(n, column) })
        } else {
          parts.push(String(n.values.length))
          for (const v of n.values) walk(v, column)
        }
        return
      }
    }
  }
  for (const join of node.joins) {
    parts.push("J", join.type, join.table)
    walk(join.on, null)
  }
  parts.push("W")
  if (node.where !== null) walk(node.where, null)
  parts.push("G", ...node.groupBy.map((c) => `${c.table}.${c.column}`), "H")
  if (node.having !== null) walk(node.having, null)
  for (const order of node.orderBy) {
    parts.push("O", order.direction)
    walk(order.expr, null)
  }
  if (node.limit !== null) {
    const limit = node.limit
    parts.push("L")
    slots.push({ node: "limit", encode: () => limit })
  }
  if (node.offset !== null) {
    const offset = node.offset
    parts.push("F")
    slots.push({ node: "offset", encode: () => offset })
  }
  return { key: parts.join("\u0001"), slots, shared }
}

interface Template {
  readonly text: string
  /** For each compiled parameter, the slot it comes from. */
  readonly paramSlots: readonly number[]
  readonly decode: Decoder
}

const TEMPLATE_CACHE_SIZE = 500
const templates = new WeakMap<AnySchema, Map<string, Template>>()

/** Compiles the shape of `node` once through Kysely, binding a sentinel object per slot. */
function compileTemplate(schema: AnySchema, node: SelectNode, slots: readonly Slot[]): Template {
  const sentinels = slots.map((_, index) => ({ slot: index }))
  const slotOf = new Map<unknown, number>(slots.map((s, i) => [s.node, i]))
  const sentinelFor = (n: unknown): { slot: number } => sentinels[slotOf.get(n)!]!
  const binder: Binder = { value: (n) => sql`${sentinelFor(n)}`, jsonList: (n) => sql`${sentinelFor(n)}` }
  const { items, decode } = selectList(schema, node)
  let query = compiler.selectFrom(node.from).select(items)
  for (const join of node.joins) {
    const on = compileExpr(schema, join.on, null, binder) as Expression<any>
    query = join.type === "inner" ? query.innerJoin(join.table, (jb) => jb.on(on)) : query.leftJoin(join.table, (jb) => jb.on(on))
  }
  if (node.where !== null) query = query.where(compileExpr(schema, node.where, null, binder) as Expression<any>)
  if (node.groupBy.length > 0) query = query.groupBy(node.groupBy.map((c) => ref(c.table, c.column)))
  if (node.having !== null) query = query.having(compileExpr(schema, node.having, null, binder) as Expression<any>)
  for (const order of orderingOf(node)) query = query.orderBy(compileExpr(schema, order.expr, null, binder), order.direction)
  if (node.limit !== null) query = query.limit(sql<number>`${sentinelFor("limit")}`)
  // SQLite needs LIMIT before OFFSET; raw, because a bound -1 would be a parameter without a slot.
  else if (node.offset !== null) query = query.limit(sql<number>`-1`)
  if (node.offset !== null) query = query.offset(sql<number>`${sentinelFor("offset")}`)
  const compiled = query.compile()
  const paramSlots = compiled.parameters.map((p) => {
    const index = sentinels.indexOf(p as { slot: number })
    if (index < 0) throw new Error(`compileSelect: parameter without a slot (${String(p)})`)
    return index
  })
  return { text: compiled.sql, paramSlots, decode }
}

/**
 * Compiles a validated select node. The SQL text of each query shape is compiled once through
 * Kysely and cached per schema; later selects of that shape only bind their values.
 */
export function compileSelect(schema: AnySchema, node: SelectNode): CompiledSelect {
  const { key, slots, shared } = analyze(schema, node)
  let cache = templates.get(schema)
  if (cache === undefined) templates.set(schema, (cache = new Map()))
  let template = shared ? undefined : cache.get(key)
  if (template === undefined) {
    template = compileTemplate(schema, node, slots)
    if (!shared) {
      if (cache.size >= TEMPLATE_CACHE_SIZE) cache.delete(cache.keys().next().value!)
      cache.set(key, template)
    }
  }
  const { text, paramSlots, decode } = template
  return {
    query: { text, params: paramSlots.map((i) => slots[i]!.encode()) },
    decode: (rows) => rows.map(decode),
  }
}
