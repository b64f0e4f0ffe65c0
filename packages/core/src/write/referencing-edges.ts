/** Which columns of which tables reference a table: the edges `onDelete` actions follow. */
import type { AnySchema } from "../schema/define-schema.js"
import { refTargetOf, type OnDelete } from "../schema/column.js"

/** One column that references a table. */
export interface ReferencingEdge {
  /** The referencing (child) table. */
  readonly table: string
  readonly column: string
  readonly onDelete: OnDelete
}

const cache = new WeakMap<AnySchema, ReadonlyMap<string, readonly ReferencingEdge[]>>()
const NONE: readonly ReferencingEdge[] = []

/** The columns that reference `tableName`, computed once per schema (engines are created per mutator run). */
export function referencingEdgesOf(schema: AnySchema, tableName: string): readonly ReferencingEdge[] {
  let byTarget = cache.get(schema)
  if (byTarget === undefined) {
    const edges = new Map<string, ReferencingEdge[]>()
    for (const table of schema.tableList) {
      for (const [column, def] of Object.entries(table.$columns)) {
        const target = refTargetOf(def)
        if (target === null || def.config.ref === null) continue
        const list = edges.get(target.table) ?? []
        list.push({ table: table.$name, column, onDelete: def.config.ref.onDelete })
        edges.set(target.table, list)
      }
    }
    cache.set(schema, (byTarget = edges))
  }
  return byTarget.get(tableName) ?? NONE
}
