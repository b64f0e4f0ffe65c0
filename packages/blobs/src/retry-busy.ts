/**
 * `batchRetryingBusy`: an atomic batch, run again when the database refused it as `busy`.
 *
 * On SQLite (better-sqlite3, D1) batches run one at a time, so the blob package's batches never
 * meet. On Postgres they run at SERIALIZABLE side by side, and two that touch the same rows (two
 * GC runs claiming together, a PUT during a claim) may be refused with a serialization failure
 * (SQLSTATE 40001, or a deadlock, 40P01): the executor reports `busy`, and the whole transaction
 * was rolled back, so running the same batch again is safe and gives the serial outcome. The
 * retries are bounded; the last refusal is thrown.
 */
import { isExecutorError, type SqlBatchResult, type SqlExecutor, type SqlQuery } from "@plasma/executors"

/** Attempts per batch, the first included. */
export const BUSY_ATTEMPTS = 6

/** Runs `queries` as one batch; when it fails `busy`, waits a few jittered ms and runs it again. */
export async function batchRetryingBusy(executor: SqlExecutor, queries: readonly SqlQuery[]): Promise<SqlBatchResult[]> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await executor.batch(queries)
    } catch (error) {
      if (!isExecutorError(error) || error.code !== "busy" || attempt >= BUSY_ATTEMPTS) throw error
      // Jitter, so two runs that collided do not collide again in step.
      await new Promise((done) => setTimeout(done, Math.random() * 5 * 2 ** attempt))
    }
  }
}
