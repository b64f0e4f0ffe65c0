/**
 * Checks a query node against the schema before any engine runs it, so every engine refuses the
 * same queries with the same errors (`invalid-query` / `invalid-value`):
 * - every table is in the schema and every column reference names a column of a table in scope
 *   (a join's `on` sees the `from` table and the joins up to and including its own); a table
 *   appears at most once per select, since column nodes name tables, not aliases;
 * - a value compared with a column fits that column's kind (NULL allowed), so engines never
 *   disagree on mixed-type comparisons; two columns compared belong to the same storage family
 *   (numeric, text, blob), because SQLite would otherwise apply affinity conversions;
 * - conditions are condition nodes (not bare columns or values), and comparison operands are
 *   columns, values or (in HAVING and ORDER BY of an aggregate select) aggregates;
 * - in an aggregate select, projected, ordered and HAVING columns are GROUP BY columns, and the
 *   select has a projection; `having` and aggregates in ORDER BY need an aggregate select;
 *   aggregates never appear in WHERE or ON; sum/avg take numeric columns;
 * - `like` compares a text/id/ref column with a string pattern;
 * - ORDER BY terms are columns or aggregates; limit/offset are whole numbers ≥ 0;
 * - an insert has a non-empty array of row objects; an update sets at least one column.
 * Row values of writes are checked by `prepareInsertRow` / `preparePatch`.
 */
import { PlasmaError } from "../errors/plasma-error.js"
import type { AnyColumn, ColumnKind } from "../schema/column.js"
import type { AnySchema } from "../schema/define-schema.js"
import type { AnyTable } from "../schema/table.js"
import { checkColumnValue, describeValueKind } from "../schema/values.js"
import { visitExpr, type AggregateNode, type ColumnNode, type ExprNode, type QueryNode, type SelectNode, type ValueNode } from "./ast.js"

function invalid(message: string): never {
  throw new PlasmaError("invalid-query", message)
}

type Family = "numeric" | "text" | "blob"

// How SQLite stores each kind; json and file are JSON text.
const FAMILY: Readonly<Record<ColumnKind, Family>> = {
  id: "text",
  text: "text",
  ref: "text",
  json: "text",
  file: "text",
  int: "numeric",
  real: "numeric",
  bigint: "numeric",
  boolean: "numeric",
  blob: "blob",
}

const NUMERIC_AGGREGATE_KINDS: ReadonlySet<ColumnKind> = new Set(["int", "real", "bigint", "boolean"])
const LIKE_KINDS: ReadonlySet<ColumnKind> = new Set(["text", "id", "ref"])
const AGGREGATE_FNS: ReadonlySet<string> = new Set(["count", "sum", "avg", "min", "max"])
const COMPARE_OPS: ReadonlySet<string> = new Set(["eq", "ne", "gt", "gte", "lt", "lte"])
const CONDITION_KINDS: ReadonlySet<ExprNode["kind"]> = new Set(["compare", "like", "and", "or", "not", "in", "isNull", "isNotNull"])

function tableIn(schema: AnySchema, name: unknown): AnyTable {
  const table = typeof name === "string" && Object.hasOwn(schema.tables, name) ? schema.tables[name] : undefined
  if (table === undefined) invalid(`unknown table ${JSON.stringify(name)}; the schema has ${Object.keys(schema.tables).map((t) => `"${t}"`).join(", ")}`)
  return table
}

/** What an expression position allows. */
interface Place {
  /** Tables whose columns may be referenced. */
  readonly scope: readonly string[]
  /** Where this is, for messages ("where", "having", "join on todos", …). */
  readonly where: string
  readonly aggregatesAllowed: boolean
  /** In an aggregate select: plain columns must be among these (`table.column` keys). */
  readonly groupColumns: ReadonlySet<string> | null
}

function keyOf(node: ColumnNode): string {
  return `${node.table}.${node.column}`
}

class QueryValidator {
  constructor(readonly schema: AnySchema) {}

  column(node: ColumnNode, place: Place): AnyColumn {
    if (!place.scope.includes(node.table)) {
      invalid(`${place.where}: column "${node.column}" of table "${node.table}" is not in scope; the query reads ${place.scope.map((t) => `"${t}"`).join(", ")}`)
    }
    const table = tableIn(this.schema, node.table)
    const column = typeof node.column === "string" && Object.hasOwn(table.$columns, node.column) ? table.$columns[node.column] : undefined
    if (column === undefined) {
      throw new PlasmaError("invalid-query", `${place.where}: table "${table.$name}" has no column ${JSON.stringify(node.column)}; its columns are ${Object.keys(table.$columns).join(", ")}`, {
        details: { table: table.$name, column: String(node.column) },
      })
    }
    if (place.groupColumns !== null && !place.groupColumns.has(keyOf(node))) {
      invalid(`${place.where}: column "${node.column}" of table "${node.table}" must be a GROUP BY column in an aggregate select`)
    }
    return column
  }

  aggregate(node: AggregateNode, place: Place): void {
    // The compiler writes the function name into SQL: only the five known names may pass.
    if (!AGGREGATE_FNS.has(node.fn)) invalid(`${place.where}: unknown aggregate function ${JSON.stringify(String(node.fn))}`)
    if (!place.aggregatesAllowed) invalid(`${place.where}: aggregates (${node.fn}) are not allowed here`)
    if (node.operand === null) {
      if (node.fn !== "count") invalid(`${place.where}: ${node.fn}() needs a column`)
      return
    }
    // The operand is read per row, not per group, so the GROUP BY rule does not apply to it.
    const column = this.column(node.operand, { ...place, groupColumns: null })
    if ((node.fn === "sum" || node.fn === "avg") && !NUMERIC_AGGREGATE_KINDS.has(column.config.kind)) {
      invalid(`${place.where}: ${node.fn}() needs a numeric column; table "${node.operand.table}", column "${node.operand.column}" is ${column.config.kind}`)
    }
  }

  /** A scalar operand (column, value or aggregate); returns the column it reads, if any. */
  operand(node: ExprNode, place: Place): { column: AnyColumn | null; kind: "column" | "value" | "aggregate"; node: ExprNode } {
    switch (node.kind) {
      case "column":
        return { column: this.column(node, place), kind: "column", node }
      case "value":
        // Checked by the caller, which knows what the value is compared with.
        return { column: null, kind: "value", node }
      case "aggregate": {
        this.aggregate(node, place)
        const column = (node.fn === "min" || node.fn === "max") && node.operand !== null ? this.schema.tables[node.operand.table]?.$columns[node.operand.column] ?? null : null
        return { column, kind: "aggregate", node }
      }
      default:
        return invalid(`${place.where}: a ${node.kind} condition cannot be used as a value operand`)
    }
  }

  /** A value compared with `column` must fit it; NULL always does. */
  fitValue(value: ValueNode, column: AnyColumn, place: Place, target: ExprNode): void {
    if (value.value === null) return
    const c = target.kind === "column" ? target : target.kind === "aggregate" && target.operand !== null ? target.operand : null
    if (c === null) return
    // An id compared with any string is harmless; only writes need the id to be non-empty.
    if (column.config.kind === "id" && typeof value.value === "string") return
    checkColumnValue(c.table, c.column, column, value.value, `compared value (in ${place.where})`)
  }

  /** A value not compared with any column must be a plain SQL value. */
  plainValue(value: ValueNode, place: Place): void {
    const v = value.value
    const ok = v === null || typeof v === "string" || typeof v === "boolean" || typeof v === "bigint" || v instanceof Uint8Array || (typeof v === "number" && Number.isFinite(v))
    if (!ok) throw new PlasmaError("invalid-value", `${place.where}: a value of kind ${describeValueKind(v)} can only be compared with a column`)
  }

  /** Two operands compared with each other (compare, in). */
  comparable(a: ReturnType<QueryValidator["operand"]>, b: ReturnType<QueryValidator["operand"]>, place: Place): void {
    const numericAggregate = (x: typeof a) => x.kind === "aggregate" && x.column === null
    if (a.kind === "value" && b.kind === "value") {
      this.plainValue(a.node as ValueNode, place)
      this.plainValue(b.node as ValueNode, place)
      return
    }
    for (const [value, other] of [
      [a, b],
      [b, a],
    ] as const) {
      if (value.kind !== "value") continue
      if (other.column !== null) this.fitValue(value.node as ValueNode, other.column, place, other.node)
      else if (numericAggregate(other)) {
        const v = (value.node as ValueNode).value
        if (v !== null && typeof v !== "bigint" && !(typeof v === "number" && Number.isFinite(v))) {
          throw new PlasmaError("invalid-value", `${place.where}: an aggregate is compared with a value of kind ${describeValueKind(v)}; expected a number`)
        }
      }
    }
    const familyOf = (x: typeof a): Family | null => (x.column !== null ? FAMILY[x.column.config.kind] : numericAggregate(x) ? "numeric" : null)
    const fa = familyOf(a)
    const fb = familyOf(b)
    if (fa !== null && fb !== null && fa !== fb) invalid(`${place.where}: cannot compare a ${fa} operand with a ${fb} operand`)
  }

  condition(node: ExprNode, place: Place): void {
    if (typeof node !== "object" || node === null || !CONDITION_KINDS.has(node.kind)) {
      invalid(`${place.where}: expected a condition (eq, and, like, …), got ${typeof node === "object" && node !== null ? `a ${String(node.kind)} node` : describeValueKind(node)}`)
    }
    visitExpr<void>(node, {
      column: () => undefined,
      value: () => undefined,
      aggregate: () => undefined,
      compare: (n) => {
        if (!COMPARE_OPS.has(n.op)) invalid(`${place.where}: unknown comparison operator ${JSON.stringify(String(n.op))}`)
        this.comparable(this.operand(n.left, place), this.operand(n.right, place), place)
      },
      like: (n) => {
        if (n.operand.kind !== "column") invalid(`${place.where}: like() needs a column on the left`)
        const column = this.column(n.operand, place)
        if (!LIKE_KINDS.has(column.config.kind)) {
          invalid(`${place.where}: like() needs a text column; table "${n.operand.table}", column "${n.operand.column}" is ${column.config.kind}`)
        }
        if (n.pattern.kind !== "value" || typeof n.pattern.value !== "string") {
          invalid(`${place.where}: like() on table "${n.operand.table}", column "${n.operand.column}" needs a string pattern`)
        }
      },
      and: (n) => this.operands(n.operands, place),
      or: (n) => this.operands(n.operands, place),
      not: (n) => this.condition(n.operand, place),
      in: (n) => {
        if (!Array.isArray(n.values)) invalid(`${place.where}: inArray() needs an array of values`)
        const operand = this.operand(n.operand, place)
        for (const value of n.values) this.comparable(operand, this.operand(value, place), place)
      },
      isNull: (n) => this.nullCheck(n.operand, place),
      isNotNull: (n) => this.nullCheck(n.operand, place),
    })
  }

  nullCheck(operand: ExprNode, place: Place): void {
    if (this.operand(operand, place).kind === "value") this.plainValue(operand as ValueNode, place)
  }

  operands(nodes: readonly ExprNode[], place: Place): void {
    if (!Array.isArray(nodes)) invalid(`${place.where}: and()/or() need a list of conditions`)
    for (const operand of nodes) this.condition(operand, place)
  }

  count(what: string, value: unknown): void {
    if (value !== null && !(typeof value === "number" && Number.isSafeInteger(value) && value >= 0)) invalid(`${what} must be a whole number ≥ 0, got ${String(value)}`)
  }

  select(node: SelectNode): void {
    tableIn(this.schema, node.from)
    const scope: string[] = [node.from]
    for (const join of node.joins) {
      tableIn(this.schema, join.table)
      if (join.type !== "inner" && join.type !== "left") invalid(`join on "${join.table}": type must be "inner" or "left"`)
      if (scope.includes(join.table)) invalid(`table "${join.table}" appears twice in one select; plasma queries have no table aliases`)
      scope.push(join.table)
      this.condition(join.on, { scope: [...scope], where: `join on "${join.table}"`, aggregatesAllowed: false, groupColumns: null })
    }
    const base = { scope, aggregatesAllowed: false, groupColumns: null }
    if (node.where !== null) this.condition(node.where, { ...base, where: "where" })
    for (const column of node.groupBy) this.column(column, { ...base, where: "groupBy" })
    const aggregate = node.groupBy.length > 0 || (node.projection?.some((p) => p.expr.kind === "aggregate") ?? false)
    const place: Place = aggregate
      ? { scope, where: "", aggregatesAllowed: true, groupColumns: new Set(node.groupBy.map(keyOf)) }
      : { scope, where: "", aggregatesAllowed: false, groupColumns: null }
    if (aggregate && node.projection === null) invalid("an aggregate select (groupBy) needs a projection: select({ … }) naming what to return")
    if (node.projection !== null) {
      const aliases = new Set<string>()
      for (const item of node.projection) {
        if (aliases.has(item.alias)) invalid(`projection "${item.alias}" is named twice`)
        aliases.add(item.alias)
        const at = { ...place, where: `projection "${item.alias}"` }
        if (item.expr.kind === "column") this.column(item.expr, at)
        else if (item.expr.kind === "aggregate") this.aggregate(item.expr, at)
        else invalid(`projection "${item.alias}" must be a column or an aggregate`)
      }
    }
    if (node.having !== null) {
      if (!aggregate) invalid("having() needs an aggregate select (a groupBy or an aggregate in the projection)")
      this.condition(node.having, { ...place, where: "having" })
    }
    for (const order of node.orderBy) {
      const at = { ...place, where: "orderBy" }
      if (order.direction !== "asc" && order.direction !== "desc") invalid(`orderBy: direction must be "asc" or "desc"`)
      if (order.expr.kind === "column") this.column(order.expr, at)
      else if (order.expr.kind === "aggregate") this.aggregate(order.expr, at)
      else invalid(`orderBy: terms must be columns or aggregates, got a ${order.expr.kind} node`)
    }
    this.count("limit", node.limit)
    this.count("offset", node.offset)
  }
}

/**
 * Throws `invalid-query` (or `invalid-value` for an ill-typed value) unless `node` is a query
 * every engine runs the same way. Engines call it first.
 */
export function validateQuery(schema: AnySchema, node: QueryNode): void {
  const validator = new QueryValidator(schema)
  switch (node.kind) {
    case "select":
      validator.select(node)
      return
    case "insert": {
      const table = tableIn(schema, node.table)
      if (!Array.isArray(node.rows) || node.rows.length === 0) invalid(`insert into "${table.$name}" needs at least one row`)
      for (const row of node.rows) {
        if (typeof row !== "object" || row === null || Array.isArray(row)) {
          throw new PlasmaError("invalid-value", `table "${table.$name}": an inserted row must be an object, got ${describeValueKind(row)}`)
        }
      }
      return
    }
    case "update": {
      const table = tableIn(schema, node.table)
      if (typeof node.set !== "object" || node.set === null || Array.isArray(node.set)) {
        throw new PlasmaError("invalid-value", `table "${table.$name}": update.set() takes an object, got ${describeValueKind(node.set)}`)
      }
      if (!Object.values(node.set).some((v) => v !== undefined)) invalid(`update of "${table.$name}" sets no column`)
      if (node.where !== null) validator.condition(node.where, { scope: [table.$name], where: "where", aggregatesAllowed: false, groupColumns: null })
      return
    }
    case "delete": {
      const table = tableIn(schema, node.table)
      if (node.where !== null) validator.condition(node.where, { scope: [table.$name], where: "where", aggregatesAllowed: false, groupColumns: null })
      return
    }
    default:
      invalid(`unknown query kind ${JSON.stringify((node as { kind?: unknown }).kind)}`)
  }
}
