/**
 * Small reads and writes of the change log's bookkeeping shared by the operations: the head
 * version, the compaction floor in `_plasma_meta`, and making sure the internal tables exist
 * (operations without a schema argument cannot call `ensureSchema`).
 *
 * The floor is stored as decimal text (the meta table's `value` is TEXT) and only ever rises:
 * the write takes `max(existing, new)` inside SQLite, so two compactions racing cannot lower it.
 */
import type { SqlExecutor, SqlQuery } from "@plasma/executors"
import { INTERNAL_TABLES_DDL, META_KEYS } from "../schema/internal-tables.js"

export { HEAD_VERSION_SQL, readHeadVersion } from "../schema/internal-tables.js"

const ready = new WeakSet<SqlExecutor>()

/** Creates the internal tables if missing; once per executor. */
export async function ensureInternalTables(executor: SqlExecutor): Promise<void> {
  if (ready.has(executor)) return
  await executor.batch(INTERNAL_TABLES_DDL.map((text) => ({ text, params: [] })))
  ready.add(executor)
}

/** The compaction floor: 0 when the log was never compacted. */
export async function readCompactionFloor(executor: SqlExecutor): Promise<number> {
  const rows = await executor.all<{ v: unknown }>({ text: "SELECT value AS v FROM _plasma_meta WHERE key = ?", params: [META_KEYS.compactionFloor] })
  const value = rows[0]?.v
  return value === undefined || value === null ? 0 : Number(value)
}

/** Raises the floor to `version` (never lowers it). */
export function raiseFloorStatement(version: number): SqlQuery {
  return {
    text:
      "INSERT INTO _plasma_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET " +
      "value = CAST(MAX(CAST(value AS INTEGER), CAST(excluded.value AS INTEGER)) AS TEXT)",
    params: [META_KEYS.compactionFloor, String(version)],
  }
}
