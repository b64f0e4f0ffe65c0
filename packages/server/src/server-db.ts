/**
 * `createServerDb`: the query builder for cron jobs, webhooks and admin scripts. Reads apply the
 * tables' `read` predicates and writes their `write` predicates with the `ctx` given. Each write
 * statement is its own serializable transaction through the same write path the sync handler
 * uses, so its rows land in the change log (origin columns NULL) and reach clients on their next
 * pull.
 */
import { createDb, type AnySchema, type AuthContext, type Db, type QueryEngine, type SelectNode, type WriteNode, type WriteResult } from "@plasma/core"
import type { SqlExecutor } from "@plasma/executors"
import { ensureSchema } from "./schema/migrations.js"
import { backoff, blobGuard, commitBatch, commitError, conflictGuard, MAX_ATTEMPTS, originStatement, readStartVersion, SERVER_ORIGIN, withWriteLock } from "./write/commit.js"
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
export function createServerDb<S extends AnySchema>({ schema, executor, ctx }: ServerDbOptions<S>): Db<S> {
  const transaction = (): WriteTransaction => new WriteTransaction({ schema, executor, ctx, applyReadAuth: true })
  const engine: QueryEngine = {
    async select(node: SelectNode) {
      await ensureSchema({ schema, executor })
      return transaction().select(node)
    },
    async write(node: WriteNode): Promise<WriteResult> {
      await ensureSchema({ schema, executor })
      return withWriteLock(executor, async () => {
        for (let attempt = 1; ; attempt++) {
          const startVersion = await readStartVersion(executor)
          const tx = transaction()
          tx.append(originStatement(SERVER_ORIGIN, Date.now()))
          const result = await tx.write(node)
          if (!tx.hasWrites()) return result
          const outcome = await commitBatch(executor, [conflictGuard(startVersion, tx.readTables()), blobGuard(tx.requiredBlobs())], tx.statements())
          if (outcome.ok) return result
          if (outcome.reason !== "conflict" || attempt >= MAX_ATTEMPTS) throw commitError(outcome)
          await backoff(attempt)
        }
      })
    },
  }
  return createDb(schema, engine)
}
