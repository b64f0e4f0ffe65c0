/**
 * `createServerDb`: the query builder for cron jobs, webhooks and admin scripts. Reads apply the
 * tables' `read` predicates and writes their `write` predicates with the `ctx` given. Each write
 * statement is its own serializable transaction through the same write path the sync handler
 * uses, so its rows land in the change log (origin columns NULL) and reach clients on their next
 * pull.
 *
 * `invokeMutator(mutators, name, { db: createServerDb(...), ... })` runs the whole mutator as ONE
 * transaction through the same machinery: its writes commit together or not at all, its reads
 * see its own writes, and a concurrent commit to what it read re-runs it.
 */
import { createDb, RUN_IN_TRANSACTION, type AnySchema, type TransactionalDb, type AuthContext, type Db, type QueryEngine, type SelectNode, type WriteNode, type WriteResult } from "@plasma/core"
import type { SqlExecutor } from "@plasma/executors"
import { ensureSchema } from "./schema/migrations.js"
import { backoff, blobGuard, commitBatch, commitError, conflictGuard, MAX_ATTEMPTS, MAX_ERROR_ATTEMPTS, originStatement, SERVER_ORIGIN, withWriteLock } from "./write/commit.js"
import { readHeadVersion } from "./schema/internal-tables.js"
import { WriteTransaction } from "./write/write-transaction.js"

export interface ServerDbOptions<S extends AnySchema> {
  readonly schema: S
  readonly executor: SqlExecutor
  /** The context the tables' auth predicates see. */
  readonly ctx: AuthContext
}

/**
 * Creates a `Db` over the database for server-side code.
 * @example
 * const db = createServerDb({ schema, executor: fromD1(env.DB), ctx: { userId: "system" } })
 * await db.update(todos).set({ done: true }).where(lt(todos.updatedAt, cutoff))
 */
export function createServerDb<S extends AnySchema>({ schema, executor, ctx }: ServerDbOptions<S>): Db<S> & TransactionalDb<S> {
  const transaction = (): WriteTransaction => new WriteTransaction({ schema, executor, ctx, applyReadAuth: true })

  /**
   * Runs `fn` against a buffered transaction and commits its writes in one guarded batch; a
   * conflict re-runs `fn` from scratch. What `fn` throws aborts with nothing written.
   */
  const runInTransaction = async <T>(fn: (tx: WriteTransaction) => Promise<T>): Promise<T> => {
    await ensureSchema({ schema, executor })
    return withWriteLock(executor, async () => {
      let conflicts = 0
      let errors = 0
      for (;;) {
        const startVersion = await readHeadVersion(executor)
        const tx = transaction()
        tx.append(originStatement(SERVER_ORIGIN, Date.now()))
        const result = await fn(tx)
        if (!tx.hasWrites()) return result
        const outcome = await commitBatch(executor, [conflictGuard(startVersion, tx.readSet()), blobGuard(tx.requiredBlobs())], tx.statements())
        if (outcome.ok) return result
        const retryable = outcome.reason === "conflict" ? ++conflicts < MAX_ATTEMPTS : outcome.reason === "error" && ++errors < MAX_ERROR_ATTEMPTS
        if (!retryable) throw commitError(outcome)
        await backoff(outcome.reason === "conflict" ? conflicts : errors)
      }
    })
  }

  const engine: QueryEngine = {
    async select(node: SelectNode) {
      await ensureSchema({ schema, executor })
      return transaction().select(node)
    },
    // Each statement on its own is one transaction.
    write: (node: WriteNode): Promise<WriteResult> => runInTransaction((tx) => tx.write(node)),
  }
  const db = createDb(schema, engine)
  return Object.assign(db, {
    [RUN_IN_TRANSACTION]: <T>(fn: (db: Db<S>) => Promise<T>): Promise<T> => runInTransaction((tx) => fn(createDb(schema, tx))),
  })
}
