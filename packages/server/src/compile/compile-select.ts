/**
 * The compiler from the core query AST to SQL, through Kysely, in three layers:
 * - shape (`select-shape.ts`): a select's cache key and the slots its values go to;
 * - lowering (`lower-expr.ts`, `lower-select.ts`): the AST to SQL text, once per shape;
 * - decoding (`decode-rows.ts`): raw rows back to the builder's result rows;
 * with the template cache (`template-cache.ts`) between them. Identifiers come only from the
 * schema (the AST is validated first) and every value is a bound parameter.
 */
import type { AnySchema, SelectNode } from "@plasma/core"
import type { SqlQuery } from "@plasma/executors"
import { decoderOf, type RowDecoder } from "./decode-rows.js"
import { lowerSelect, type SelectTemplate } from "./lower-select.js"
import { analyzeSelect } from "./select-shape.js"
import { TemplateCache } from "./template-cache.js"

export { compileExpr } from "./lower-expr.js"

/** A compiled select: its SQL and how to turn its rows into the builder's result rows. */
export interface CompiledSelect {
  readonly query: SqlQuery
  decode(rows: readonly Record<string, unknown>[]): Record<string, unknown>[]
}

interface Compiled extends SelectTemplate {
  readonly decode: RowDecoder
}

const templates = new TemplateCache<Compiled>()

/**
 * Compiles a validated select node. The SQL text of each query shape is compiled once through
 * Kysely and cached per schema; later selects of that shape only bind their values.
 * @example
 * const { query, decode } = compileSelect(schema, db.select().from(todos).where(eq(todos.done, false)).toNode())
 * const rows = decode(await executor.all(query))
 */
export function compileSelect(schema: AnySchema, node: SelectNode): CompiledSelect {
  const { key, slots, shared } = analyzeSelect(schema, node)
  const compile = (): Compiled => ({ ...lowerSelect(schema, node, slots), decode: decoderOf(schema, node) })
  // A shape whose value nodes repeat cannot serve other selects (see SelectShape.shared).
  const { text, paramSlots, decode } = shared ? compile() : templates.get(schema, key, compile)
  return {
    query: { text, params: paramSlots.map((i) => slots[i]!.encode()) },
    decode: (rows) => rows.map(decode),
  }
}
