/**
 * Evaluates expression nodes the way SQLite does, in SQL value space:
 * - three-valued logic: a comparison with a NULL side is NULL; `and` is false if any operand is
 *   false, else NULL if any is NULL, else true (`or` mirrors it); `not NULL` is NULL; an empty
 *   `and` is true and an empty `or` false;
 * - `in`: an empty list is false (even for a NULL operand, as in SQLite); otherwise true if any
 *   value equals the operand, else NULL if the operand or any value is NULL, else false;
 * - `like`: `%` matches any run of characters and `_` exactly one character (a code point), ASCII
 *   letters match either case and nothing else is folded, there is no escape character; a NULL
 *   side gives NULL;
 * - conditions yield 1, 0 or NULL; WHERE, HAVING and ON keep a row only when the result is true.
 * Value nodes are encoded for the column on the other side of their comparison (`toSqlValue`:
 * `true` against a boolean column is 1, an object against a json column is its JSON text), or
 * raw when no column is involved.
 */
import type { AnySchema } from "../schema/define-schema.js"
import type { AnyColumn } from "../schema/column.js"
import { toSqlValue, type SqlValue } from "../schema/values.js"
import { visitExpr, type AggregateNode, type ColumnNode, type CompareOp, type ExprNode } from "../query/ast.js"
import { compareSqlValues, toRawSqlValue } from "./sql-compare.js"

/** Where an expression reads its inputs. */
export interface EvalScope {
  /** The SQL value of a column (NULL when its table is padded by a left join). */
  column(node: ColumnNode): SqlValue
  /** The SQL value of an aggregate over the current group; only defined when grouping. */
  aggregate(node: AggregateNode): SqlValue
}

/** A JS-form row per table in scope; `null` for a table a left join padded. */
export type ScopeRows = Readonly<Record<string, Readonly<Record<string, unknown>> | null>>

/** The schema column a node reads, if it reads exactly one. */
export function columnOfNode(schema: AnySchema, node: ExprNode): AnyColumn | null {
  if (node.kind === "column") return schema.tables[node.table]?.$columns[node.column] ?? null
  // min/max return values of their operand's column, so a value compared with them is encoded
  // the same way (count/sum/avg are plain numbers).
  if (node.kind === "aggregate" && (node.fn === "min" || node.fn === "max") && node.operand !== null) return columnOfNode(schema, node.operand)
  return null
}

/** A scope over JS-form rows; each column value is encoded with `toSqlValue`. */
export function createRowScope(schema: AnySchema, rows: ScopeRows): EvalScope {
  return {
    column(node) {
      const row = rows[node.table]
      if (row === null || row === undefined) return null
      const column = schema.tables[node.table]?.$columns[node.column]
      if (column === undefined) throw new TypeError(`no column ${node.table}.${node.column}`)
      return toSqlValue(column, row[node.column])
    },
    aggregate() {
      throw new TypeError("aggregate outside an aggregate select")
    },
  }
}

/** SQLite's truth test of a condition result: true only for a non-zero number. */
export function isTrue(value: SqlValue): boolean {
  return (typeof value === "number" || typeof value === "bigint") && value != 0
}

const COMPARE: Readonly<Record<CompareOp, (c: number) => boolean>> = {
  eq: (c) => c === 0,
  ne: (c) => c !== 0,
  gt: (c) => c > 0,
  gte: (c) => c >= 0,
  lt: (c) => c < 0,
  lte: (c) => c <= 0,
}

const PERCENT = 0x25
const UNDERSCORE = 0x5f

function foldedCodePoints(text: string): number[] {
  const out: number[] = []
  for (const char of text) {
    const cp = char.codePointAt(0) as number
    out.push(cp >= 0x41 && cp <= 0x5a ? cp + 0x20 : cp)
  }
  return out
}

/** SQLite's default LIKE on two strings (ASCII case folding, `%` and `_`, no escape). */
export function sqlLike(value: string, pattern: string): boolean {
  const s = foldedCodePoints(value)
  const p = foldedCodePoints(pattern)
  // Greedy matching with one backtrack point: on a mismatch, let the last `%` swallow one more
  // character. Linear in practice, O(|s|·|p|) at worst.
  let si = 0
  let pi = 0
  let star = -1
  let mark = 0
  while (si < s.length) {
    const pc = p[pi]
    if (pc === PERCENT) {
      star = pi++
      mark = si
    } else if (pc !== undefined && (pc === UNDERSCORE || pc === s[si])) {
      si++
      pi++
    } else if (star >= 0) {
      pi = star + 1
      si = ++mark
    } else {
      return false
    }
  }
  while (p[pi] === PERCENT) pi++
  return pi === p.length
}

function bool(value: boolean): SqlValue {
  return value ? 1 : 0
}

/** Evaluates `node`; a value node is encoded for the column `partner` reads, if any. */
function evaluateSide(schema: AnySchema, node: ExprNode, partner: ExprNode | null, scope: EvalScope): SqlValue {
  if (node.kind === "value") {
    const column = partner === null ? null : columnOfNode(schema, partner)
    return column === null ? toRawSqlValue(node.value) : toSqlValue(column, node.value)
  }
  return evaluateExpr(schema, node, scope)
}

/** Evaluates an expression to a SQL value (conditions give 1, 0 or NULL). */
export function evaluateExpr(schema: AnySchema, node: ExprNode, scope: EvalScope): SqlValue {
  return visitExpr<SqlValue>(node, {
    column: (n) => scope.column(n),
    value: (n) => toRawSqlValue(n.value),
    aggregate: (n) => scope.aggregate(n),
    compare: (n) => {
      const left = evaluateSide(schema, n.left, n.right, scope)
      const right = evaluateSide(schema, n.right, n.left, scope)
      if (left === null || right === null) return null
      return bool(COMPARE[n.op](compareSqlValues(left, right)))
    },
    like: (n) => {
      const operand = evaluateExpr(schema, n.operand, scope)
      const pattern = evaluateExpr(schema, n.pattern, scope)
      if (operand === null || pattern === null) return null
      return bool(sqlLike(String(operand), String(pattern)))
    },
    and: (n) => {
      let sawNull = false
      for (const operand of n.operands) {
        const v = evaluateExpr(schema, operand, scope)
        if (v === null) sawNull = true
        else if (!isTrue(v)) return 0
      }
      return sawNull ? null : 1
    },
    or: (n) => {
      let sawNull = false
      for (const operand of n.operands) {
        const v = evaluateExpr(schema, operand, scope)
        if (v === null) sawNull = true
        else if (isTrue(v)) return 1
      }
      return sawNull ? null : 0
    },
    not: (n) => {
      const v = evaluateExpr(schema, n.operand, scope)
      return v === null ? null : bool(!isTrue(v))
    },
    in: (n) => {
      if (n.values.length === 0) return 0
      const operand = evaluateExpr(schema, n.operand, scope)
      if (operand === null) return null
      let sawNull = false
      for (const valueNode of n.values) {
        const v = evaluateSide(schema, valueNode, n.operand, scope)
        if (v === null) sawNull = true
        else if (compareSqlValues(operand, v) === 0) return 1
      }
      return sawNull ? null : 0
    },
    isNull: (n) => bool(evaluateExpr(schema, n.operand, scope) === null),
    isNotNull: (n) => bool(evaluateExpr(schema, n.operand, scope) !== null),
  })
}

/**
 * `true` when `condition` holds for one JS-form `row` of `tableName` (`null` holds for every row).
 * The server uses it to filter its write overlay exactly as SQLite filters stored rows.
 */
export function matchesCondition(schema: AnySchema, tableName: string, condition: ExprNode | null, row: Readonly<Record<string, unknown>>): boolean {
  if (condition === null) return true
  return isTrue(evaluateExpr(schema, condition, createRowScope(schema, { [tableName]: row })))
}
