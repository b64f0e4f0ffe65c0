/**
 * Lowering a whole select to SQL text through Kysely, as a template: every slot (see
 * `select-shape.ts`) is bound as a sentinel object, so the compiled text can be reused for any
 * select of the same shape, and each compiled parameter is traced back to the slot it came from.
 * Ordering is core's `orderingOf(node)`, the list the in-memory evaluator uses too, so both
 * engines return the same rows in the same order.
 */
import { orderingOf, tableOf, type AnySchema, type SelectNode } from "@plasma/core"
import { sqliteDialect, toCompileOnlyDialect } from "@plasma/executors"
import { Kysely, sql, type AliasedRawBuilder, type Expression } from "kysely"
import { joinAliasPrefix } from "./decode-rows.js"
import { columnRef, compileExpr } from "./lower-expr.js"
import type { Binder } from "./select-binder.js"
import type { Slot } from "./select-shape.js"

const compiler = new Kysely<any>({ dialect: toCompileOnlyDialect(sqliteDialect) })

/** SQL text with `?` placeholders, and for each placeholder the slot its value comes from. */
export interface SelectTemplate {
  readonly text: string
  readonly paramSlots: readonly number[]
}

/** The select list; its aliases are the ones `decode-rows.ts` reads. */
function selectItems(schema: AnySchema, node: SelectNode): AliasedRawBuilder<unknown, string>[] {
  if (node.projection !== null) return node.projection.map((p) => compileExpr(schema, p.expr).as(p.alias))
  const tables = [node.from, ...node.joins.map((j) => j.table)].map((name) => tableOf(schema, name))
  if (node.joins.length === 0) {
    const table = tables[0]!
    return Object.keys(table.$columns).map((name) => columnRef(table.$name, name).as(name))
  }
  return tables.flatMap((table, i) => Object.keys(table.$columns).map((name) => columnRef(table.$name, name).as(`${joinAliasPrefix(i)}${name}`)))
}

/**
 * Compiles the shape of `node` once through Kysely, binding a sentinel object per slot.
 * @example
 * const { text, paramSlots } = lowerSelect(schema, node, analyzeSelect(schema, node).slots)
 */
export function lowerSelect(schema: AnySchema, node: SelectNode, slots: readonly Slot[]): SelectTemplate {
  const sentinels = slots.map((_, index) => ({ slot: index }))
  const slotOf = new Map<unknown, number>(slots.map((s, i) => [s.node, i]))
  const sentinelFor = (n: unknown): { slot: number } => sentinels[slotOf.get(n)!]!
  const binder: Binder = { value: (n) => sql`${sentinelFor(n)}`, jsonList: (n) => sql`${sentinelFor(n)}` }
  let query = compiler.selectFrom(node.from).select(selectItems(schema, node))
  for (const join of node.joins) {
    const on = compileExpr(schema, join.on, null, binder) as Expression<any>
    query = join.type === "inner" ? query.innerJoin(join.table, (jb) => jb.on(on)) : query.leftJoin(join.table, (jb) => jb.on(on))
  }
  if (node.where !== null) query = query.where(compileExpr(schema, node.where, null, binder) as Expression<any>)
  if (node.groupBy.length > 0) query = query.groupBy(node.groupBy.map((c) => columnRef(c.table, c.column)))
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
  return { text: compiled.sql, paramSlots }
}
