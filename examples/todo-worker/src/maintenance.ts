/**
 * @module The cron job: compact the change log up to the bound that no recently seen client
 * still needs, then delete the bytes of blobs that have been orphaned for longer than the grace
 * window. Both steps are idempotent and safe while pushes and pulls go on.
 */
import { gcOrphanedBlobs, r2Storage } from "@plasma/blobs"
import { compactChangeLog, computeSafeCursor, ensureSchema } from "@plasma/server"
import type { SqlExecutor } from "@plasma/executors"
import type { Env } from "./env.js"
import { schema } from "./schema.js"

export interface MaintenanceReport {
  readonly at: number
  readonly safeUpToVersion: number
  readonly compaction: { readonly removed: number; readonly kept: number }
  readonly gc: { readonly deleted: number; readonly remaining: number }
}

/** Reads a duration variable; a missing or malformed value falls back to the default. */
export function msVar(value: string | undefined, fallback: number): number {
  const n = Number(value)
  return value !== undefined && value.trim() !== "" && Number.isFinite(n) && n >= 0 ? n : fallback
}

const DAY = 24 * 3600 * 1000

/** Runs one maintenance pass and says what it did. */
export async function runMaintenance(env: Env, executor: SqlExecutor): Promise<MaintenanceReport> {
  await ensureSchema({ schema, executor })
  const safeUpToVersion = await computeSafeCursor(executor, { activeWithinMs: msVar(env.COMPACT_ACTIVE_WITHIN_MS, 60 * DAY) })
  const compaction = await compactChangeLog({ executor, safeUpToVersion })
  const gc = await gcOrphanedBlobs({
    executor,
    storage: r2Storage({ bucket: env.BUCKET }),
    minOrphanAgeMs: msVar(env.BLOB_GRACE_MS, 7 * DAY),
    limit: 500,
  })
  return { at: Date.now(), safeUpToVersion, compaction: { removed: compaction.removed, kept: compaction.kept }, gc: { deleted: gc.deleted, remaining: gc.remaining } }
}
