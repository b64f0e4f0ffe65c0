/** Which ids a condition pins a table's rows to: lets engines look rows up by id instead of scanning. */
import type { ExprNode } from "../query/ast.js"

/**
 * The ids `condition` pins `table`'s rows to (`id = x`, `id IN (...)`, or an AND containing
 * one), or `null` when it does not pin them. Rows outside these ids never match; rows inside
 * still have to match the whole condition.
 * @example
 * pointIdsOf("todos", eq(todos.id, "t1").node) // ["t1"]
 */
export function pointIdsOf(table: string, condition: ExprNode | null): string[] | null {
  if (condition === null) return null
  const isId = (node: ExprNode): boolean => node.kind === "column" && node.table === table && node.column === "id"
  const valueOf = (node: ExprNode): string | null => (node.kind === "value" && typeof node.value === "string" ? node.value : null)
  switch (condition.kind) {
    case "compare": {
      if (condition.op !== "eq") return null
      const value = isId(condition.left) ? valueOf(condition.right) : isId(condition.right) ? valueOf(condition.left) : null
      return value === null ? null : [value]
    }
    case "in": {
      if (!isId(condition.operand)) return null
      const values = condition.values.map(valueOf)
      return values.every((v): v is string => v !== null) ? [...new Set(values)] : null
    }
    case "and": {
      for (const operand of condition.operands) {
        const ids = pointIdsOf(table, operand)
        if (ids !== null) return ids
      }
      return null
    }
    default:
      return null
  }
}
