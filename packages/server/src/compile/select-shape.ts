/**
 * The shape of a select: what makes two selects compile to the same SQL text, and the ordered
 * places ("slots") where their values go. `compileSelect` caches one template per shape and
 * binds each select's own values into its slots.
 *
 * The walk visits the select in a fixed order (joins, where, group by, having, order by, limit,
 * offset) — the order in which Kysely emits the parameters, so slot i is parameter i's source
 * unless a template says otherwise. Dispatch goes through core's `ExprVisitor` (a record keyed by
 * every `ExprKind`): a new node kind does not compile until the shape knows it.
 */
import { type AnyColumn, type AnySchema, type ExprNode, type ExprVisitor, type SelectNode, visitExpr } from "@plasma/core"
import { columnBeside, encodeFor, jsonListOf, usesJsonList } from "./select-binder.js"

/** One bindable place in a select: a value, a JSON-bound IN list, or LIMIT/OFFSET. */
export interface Slot {
  readonly node: ExprNode | "limit" | "offset"
  encode(): unknown
}

/** A select's shape key, its slots, and whether one value node sits at two places. */
export interface SelectShape {
  /** Equal for two selects exactly when they compile to the same SQL text. */
  readonly key: string
  readonly slots: readonly Slot[]
  /**
   * The template binds sentinels by node identity: an AST that holds one value node at two
   * places (`or(c, c)`) has fewer distinct slots than its shape, so its template must not be
   * reused for a same-shaped query whose nodes are distinct.
   */
  readonly shared: boolean
}

/**
 * Walks `node` once, collecting its shape key and slots.
 * @example
 * analyzeSelect(schema, a).key === analyzeSelect(schema, b).key // same SQL, maybe other values
 */
export function analyzeSelect(schema: AnySchema, node: SelectNode): SelectShape {
  const slots: Slot[] = []
  const seen = new Set<ExprNode>()
  let shared = false
  const parts: string[] = [node.from, JSON.stringify(node.projection)]
  const claim = (n: ExprNode): void => {
    if (seen.has(n)) shared = true
    seen.add(n)
  }

  // The column a value at the node being visited is compared with; only `value` (a leaf) reads
  // it, and every walk sets it first. (One visitor per select: this runs on every compile.)
  let beside: AnyColumn | null = null
  const walk = (n: ExprNode, column: AnyColumn | null): void => {
    parts.push(n.kind)
    beside = column
    visitExpr<void>(n, visitor)
  }
  const visitor: ExprVisitor<void> = {
    value: (n) => {
      claim(n)
      const column = beside
      slots.push({ node: n, encode: () => encodeFor(column, n.value) })
    },
    column: (n) => void parts.push(n.table, n.column),
    aggregate: (n) => void parts.push(n.fn, n.operand === null ? "*" : `${n.operand.table}.${n.operand.column}`),
    compare: (n) => {
      parts.push(n.op)
      walk(n.left, columnBeside(schema, n.right))
      walk(n.right, columnBeside(schema, n.left))
    },
    like: (n) => {
      walk(n.operand, null)
      walk(n.pattern, null)
    },
    and: (n) => {
      parts.push(String(n.operands.length))
      for (const o of n.operands) walk(o, null)
    },
    or: (n) => {
      parts.push(String(n.operands.length))
      for (const o of n.operands) walk(o, null)
    },
    not: (n) => walk(n.operand, null),
    isNull: (n) => walk(n.operand, null),
    isNotNull: (n) => walk(n.operand, null),
    in: (n) => {
      const column = columnBeside(schema, n.operand)
      walk(n.operand, null)
      if (n.values.length > 0 && usesJsonList(n, column)) {
        parts.push("json")
        claim(n)
        slots.push({ node: n, encode: () => jsonListOf(n, column) })
      } else {
        parts.push(String(n.values.length))
        for (const v of n.values) walk(v, column)
      }
    },
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
