/**
 * The query AST: plain, JSON-serialisable data that the builders produce and every engine
 * consumes. Server engines compile it to SQL; the in-memory engine evaluates it. Values sit in
 * `value` nodes in their JavaScript form (a boolean stays a boolean); engines encode them for
 * the column they are compared with. `bigint` and `Uint8Array` values are the two that need a
 * custom replacer to cross JSON.
 *
 * Every consumer dispatches through `Record<Kind, …>` maps, so a new node kind does not compile
 * until every consumer handles it.
 */

export type CompareOp = "eq" | "ne" | "gt" | "gte" | "lt" | "lte"
export type AggregateFn = "count" | "sum" | "avg" | "min" | "max"

export interface ColumnNode {
  readonly kind: "column"
  readonly table: string
  readonly column: string
}
export interface ValueNode {
  readonly kind: "value"
  readonly value: unknown
}
export interface CompareNode {
  readonly kind: "compare"
  readonly op: CompareOp
  readonly left: ExprNode
  readonly right: ExprNode
}
/** SQLite's LIKE: `%` and `_` wildcards, ASCII-only case folding, no escape character. */
export interface LikeNode {
  readonly kind: "like"
  readonly operand: ExprNode
  readonly pattern: ExprNode
}
export interface LogicalNode {
  readonly kind: "and" | "or"
  readonly operands: readonly ExprNode[]
}
export interface NotNode {
  readonly kind: "not"
  readonly operand: ExprNode
}
export interface InNode {
  readonly kind: "in"
  readonly operand: ExprNode
  readonly values: readonly ExprNode[]
}
export interface NullCheckNode {
  readonly kind: "isNull" | "isNotNull"
  readonly operand: ExprNode
}
/** `operand` null means `count(*)`. */
export interface AggregateNode {
  readonly kind: "aggregate"
  readonly fn: AggregateFn
  readonly operand: ColumnNode | null
}

export type ExprNode = ColumnNode | ValueNode | CompareNode | LikeNode | LogicalNode | NotNode | InNode | NullCheckNode | AggregateNode
export type ExprKind = ExprNode["kind"]

/** A visitor over every expression kind; the map type makes a missing kind a compile error. */
export type ExprVisitor<R> = { readonly [K in ExprKind]: (node: ExprNode & { readonly kind: K }) => R }

/** Dispatches `node` to the visitor entry for its kind. */
export function visitExpr<R>(node: ExprNode, visitor: ExprVisitor<R>): R {
  return (visitor[node.kind] as (n: ExprNode) => R)(node)
}

export interface OrderNode {
  readonly expr: ExprNode
  readonly direction: "asc" | "desc"
}
export interface JoinNode {
  readonly type: "inner" | "left"
  readonly table: string
  readonly on: ExprNode
}
export interface ProjectionItem {
  readonly alias: string
  readonly expr: ColumnNode | AggregateNode
}

export interface SelectNode {
  readonly kind: "select"
  readonly from: string
  readonly joins: readonly JoinNode[]
  /** `null` selects every column (nested by table name when the query joins). */
  readonly projection: readonly ProjectionItem[] | null
  readonly where: ExprNode | null
  readonly groupBy: readonly ColumnNode[]
  readonly having: ExprNode | null
  readonly orderBy: readonly OrderNode[]
  readonly limit: number | null
  readonly offset: number | null
}
export interface InsertNode {
  readonly kind: "insert"
  readonly table: string
  readonly rows: readonly Readonly<Record<string, unknown>>[]
}
export interface UpdateNode {
  readonly kind: "update"
  readonly table: string
  readonly set: Readonly<Record<string, unknown>>
  readonly where: ExprNode | null
}
export interface DeleteNode {
  readonly kind: "delete"
  readonly table: string
  readonly where: ExprNode | null
}

export type WriteNode = InsertNode | UpdateNode | DeleteNode
export type QueryNode = SelectNode | WriteNode

/** What a write reports. */
export interface WriteResult {
  /** Rows written by the statement itself (cascades not counted). */
  readonly rowsAffected: number
}

/** An empty select over `table`; builders fill the rest in. */
export function createSelectNode(from: string, projection: readonly ProjectionItem[] | null): SelectNode {
  return { kind: "select", from, joins: [], projection, where: null, groupBy: [], having: null, orderBy: [], limit: null, offset: null }
}

/** Every table a select reads: its `from` and its joins. */
export function tablesOfSelect(node: SelectNode): string[] {
  return [node.from, ...node.joins.map((j) => j.table)]
}

/** `true` when the expression contains an aggregate. */
export function containsAggregate(node: ExprNode): boolean {
  return visitExpr(node, {
    column: () => false,
    value: () => false,
    aggregate: () => true,
    compare: (n) => containsAggregate(n.left) || containsAggregate(n.right),
    like: (n) => containsAggregate(n.operand) || containsAggregate(n.pattern),
    and: (n) => n.operands.some(containsAggregate),
    or: (n) => n.operands.some(containsAggregate),
    not: (n) => containsAggregate(n.operand),
    in: (n) => containsAggregate(n.operand) || n.values.some(containsAggregate),
    isNull: (n) => containsAggregate(n.operand),
    isNotNull: (n) => containsAggregate(n.operand),
  })
}

/** `true` when the select aggregates (an aggregate projected, or a GROUP BY). */
export function isAggregateSelect(node: SelectNode): boolean {
  return node.groupBy.length > 0 || (node.projection?.some((p) => p.expr.kind === "aggregate") ?? false)
}
