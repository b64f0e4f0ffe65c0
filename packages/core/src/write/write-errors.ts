/**
 * The errors the write rules raise, worded once so that every engine reports the same thing:
 * the client's optimistic run and the server's authoritative run must not disagree.
 */
import { PlasmaError } from "../errors/plasma-error.js"
import type { OnDelete } from "../schema/column.js"

/** A stored value, readable in a message (bigints and bytes do not JSON-encode). */
export function describeStoredValue(value: unknown): string {
  if (typeof value === "bigint") return value.toString()
  if (value instanceof Uint8Array) return `<${value.length} bytes>`
  return JSON.stringify(value) ?? String(value)
}

/** An insert reuses an id. */
export function duplicateIdError(table: string, id: string): PlasmaError {
  return new PlasmaError("constraint-violation", `table "${table}", column "id": a row with id "${id}" already exists`, {
    details: { table, column: "id", id },
  })
}

/** One statement writes the same value of a unique column to several rows. */
export function repeatedUniqueError(table: string, column: string, value: unknown): PlasmaError {
  return new PlasmaError("constraint-violation", `table "${table}", column "${column}": the value ${describeStoredValue(value)} would be written to several rows (unique)`, {
    details: { table, column },
  })
}

/** A unique column's value is already held by another row. */
export function uniqueTakenError(table: string, column: string, value: unknown, holder: string): PlasmaError {
  return new PlasmaError("constraint-violation", `table "${table}", column "${column}": the value ${describeStoredValue(value)} is already used by row "${holder}" (unique)`, {
    details: { table, column },
  })
}

/** A reference points at a row that does not exist. */
export function missingReferenceError(table: string, column: string, id: string, target: string, missing: string): PlasmaError {
  return new PlasmaError("constraint-violation", `table "${table}", column "${column}": row "${id}" references "${target}" row "${missing}", which does not exist`, {
    details: { table, column, references: target },
  })
}

/** A delete would leave a row pointing at a deleted one (`restrict`, `noAction`). */
export function stillReferencedError(table: string, id: string, child: string, column: string, childId: string, onDelete: OnDelete): PlasmaError {
  return new PlasmaError(
    "constraint-violation",
    `table "${table}": row "${id}" is still referenced by table "${child}", column "${column}" (row "${childId}", onDelete ${onDelete})`,
    { details: { table, referencedBy: child, column } },
  )
}

/** A table's `auth.write` predicate refused a row. */
export function writeDeniedError(table: string, id: string, image: "before" | "after"): PlasmaError {
  return new PlasmaError("write-denied", `table "${table}": the write predicate refused row "${id}" (${image} the write)`, {
    details: { table, id },
  })
}
