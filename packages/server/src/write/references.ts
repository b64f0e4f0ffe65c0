/** Which columns of which tables reference a table: the edges SQLite's ON DELETE actions follow. */
import { refTargetOf, type AnySchema, type OnDelete } from "@plasma/core"

export interface Reference {
  readonly table: string
  readonly column: string
  readonly onDelete: OnDelete
}

const cache = new WeakMap<AnySchema, Map<string, Reference[]>>()

/** The references to `tableName` in `schema`, computed once per schema. */
export function referencesTo(schema: AnySchema, tableName: string): readonly Reference[] {
  let byTarget = cache.get(schema)
  if (byTarget === undefined) {
    byTarget = new Map()
    for (const table of schema.tableList) {
      for (const [column, def] of Object.entries(table.$columns)) {
        const target = refTargetOf(def)
        if (target === null || def.config.ref === null) continue
        const list = byTarget.get(target.table) ?? []
        list.push({ table: table.$name, column, onDelete: def.config.ref.onDelete })
        byTarget.set(target.table, list)
      }
    }
    cache.set(schema, byTarget)
  }
  return byTarget.get(tableName) ?? []
}
