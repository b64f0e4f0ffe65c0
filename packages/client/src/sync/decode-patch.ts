import { rowFromChangeJson, type AnySchema, type PullResponse } from "@plasma/core"
import type { DecodedPatch } from "../view/optimistic-view.js"

/** Decodes a pull's patch into JavaScript rows (frozen); entries of tables this schema lacks are skipped. */
export function decodePatch(schema: AnySchema, response: PullResponse): DecodedPatch {
  const out: (DecodedPatch[number])[] = []
  for (const op of response.patch) {
    const table = Object.hasOwn(schema.tables, op.table) ? schema.tables[op.table] : undefined
    if (table === undefined) continue
    if (op.op === "put") out.push({ op: "put", table: op.table, id: op.id, value: Object.freeze(rowFromChangeJson(table, op.value)) })
    else out.push({ op: "del", table: op.table, id: op.id })
  }
  return out
}
