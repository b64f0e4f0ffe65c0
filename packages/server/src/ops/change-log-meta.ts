/**
 * Small reads and writes of the change log's bookkeeping shared by the operations: the head
 * version, the two floors in `_plasma_meta`, and making sure the internal tables exist
 * (operations without a schema argument cannot call `ensureSchema`).
 *
 * - The compaction floor: the highest bound compaction folded the log to. Entries at or below
 *   it are the newest of their row (tombstones included); snapshots below it are refused.
 * - The tombstone floor: the highest bound deletes were pruned to (SPEC §9,
 *   `pruneTombstonesUpTo`). A pull cookie below it cannot learn those deletes: it gets a reset.
 *
 * Floors are stored as decimal text (the meta table's `value` is TEXT) and only ever rise: the
 * write takes `max(existing, new)` inside SQLite, so two compactions racing cannot lower one.
 */
import type { SqlExecutor, SqlQuery } from "@plasma/executors"
import { META_KEYS } from "../schema/internal-tables.js"
import { internalTablesDdlFor } from "../schema/schema-dialect.js"

export { HEAD_VERSION_SQL, readHeadVersion } from "../schema/internal-tables.js"

const ready = new WeakSet<SqlExecutor>()

/** Creates the internal tables if missing; once per executor. */
export async function ensureInternalTables(executor: SqlExecutor): Promise<void> {
  if (ready.has(executor)) return
  await executor.batch(internalTablesDdlFor(executor.dialect).map((text) => ({ text, params: [] })))
  ready.add(executor)
}

/** `_plasma_meta` key of the tombstone floor (the compaction floor's is `META_KEYS.compactionFloor`). */
export const TOMBSTONE_FLOOR_KEY = "tombstone_floor"

/** An SQL expression reading a floor from `_plasma_meta` (0 when unset); one parameter: the key. */
// BIGINT: SQLite gives it INTEGER affinity (64-bit); Postgres's INTEGER would be 32-bit.
export const FLOOR_SQL = "COALESCE((SELECT CAST(value AS BIGINT) FROM _plasma_meta WHERE key = ?), 0)"

/** The compaction floor: 0 when the log was never compacted. */
export async function readCompactionFloor(executor: SqlExecutor): Promise<number> {
  const rows = await executor.all<{ v: unknown }>({ text: "SELECT value AS v FROM _plasma_meta WHERE key = ?", params: [META_KEYS.compactionFloor] })
  const value = rows[0]?.v
  return value === undefined || value === null ? 0 : Number(value)
}

/** The tombstone floor: 0 when no delete was ever pruned. */
export async function readTombstoneFloor(executor: SqlExecutor): Promise<number> {
  const rows = await executor.all<{ v: unknown }>({ text: "SELECT value AS v FROM _plasma_meta WHERE key = ?", params: [TOMBSTONE_FLOOR_KEY] })
  const value = rows[0]?.v
  return value === undefined || value === null ? 0 : Number(value)
}

/** Raises a floor (default the compaction floor) to `version`, never lowering it. */
export function raiseFloorStatement(version: number, key: string = META_KEYS.compactionFloor): SqlQuery {
  return {
    text:
      // A CASE rather than SQLite's two-argument MAX (Postgres spells it GREATEST): one text for both.
      "INSERT INTO _plasma_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = CASE " +
      "WHEN CAST(excluded.value AS BIGINT) > CAST(_plasma_meta.value AS BIGINT) THEN excluded.value ELSE _plasma_meta.value END",
    params: [key, String(version)],
  }
}
