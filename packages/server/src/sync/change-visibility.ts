/**
 * What one change-log entry of a table with a `read` predicate sends to one client (SPEC §8):
 * a client learns nothing about rows it cannot read.
 *
 * - A put the client may read goes out as a put.
 * - Otherwise (an unreadable put, or a delete) a `del` goes out only when the row was readable
 *   to this client before the change, so it may hold it; else nothing goes out.
 * - "Before the change" is the row's previous entry in the log: a readable put means readable.
 *   No previous entry means the row did not exist (or its tombstone was pruned, the same thing
 *   for the client), with one exception: at or below the compaction floor the previous entries
 *   were folded away, so for a client that holds earlier state (a cookie > 0, not a reset walk)
 *   the answer is unknown and a `del` goes out. That costs the client at most a `del` of an id
 *   it never held (never a row's content), and keeps it converging: compaction must never leave
 *   a client holding a row it may no longer read.
 */

/** The previous entry of the row, as far as the decision needs it. */
export type PreviousEntry = { readonly readable: boolean } | "none" | "compacted"

/**
 * The operation sent for one entry of a predicate table, or `null` to send nothing.
 * @example
 * visibleOperation({ op: "put", readable: false, previous: { readable: true } }) // "del"
 */
export function visibleOperation(entry: { readonly op: "put" | "del"; readonly readable: boolean; readonly previous: PreviousEntry }): "put" | "del" | null {
  if (entry.op === "put" && entry.readable) return "put"
  const previous = entry.previous
  if (previous === "none") return null
  if (previous === "compacted") return "del"
  return previous.readable ? "del" : null
}
