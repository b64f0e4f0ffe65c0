/**
 * The general result source: every update runs core's `evaluateSelect` over the whole view, so
 * joins, aggregates and GROUP BY give exactly what every other engine gives. It only runs for
 * change sets that touch a table the query reads (the registry sees to that), and equal rows
 * keep their earlier objects, so an update that changes nothing is not delivered.
 */
import { evaluateSelect, type AnySchema, type SelectNode } from "@plasma/core"
import { rowKeyOf, type RowKeying } from "./live-delta.js"
import type { ResultSource } from "./result-source.js"
import { freezeRow, reuseRows, sameRows, type Row } from "./row-identity.js"
import type { ViewReader } from "./view-reader.js"

/** A result source that re-evaluates the whole select on every update. */
export function createFullEvaluation(schema: AnySchema, node: SelectNode, view: ViewReader, keying: RowKeying): ResultSource {
  const rowsOf = (table: string): Iterable<Readonly<Row>> => view.rows(table)
  const keyOf = (row: Row): string => rowKeyOf(keying, row)
  const evaluate = (previous: readonly Row[] | undefined): readonly Row[] =>
    Object.freeze(reuseRows(previous, evaluateSelect(schema, node, rowsOf).map(freezeRow), keyOf))
  return {
    keying,
    evaluate,
    update(_changes, previous) {
      const next = evaluate(previous)
      return sameRows(next, previous) ? previous : next
    },
    release() {},
  }
}
