/**
 * Mutators: named functions that are the only way synced data changes. The browser runs them
 * optimistically; the server re-runs them canonically. A mutator receives one object
 * `{ db, args, ctx, clientID, mutationID }`; ids and timestamps come in through `args`, so both
 * runs write the same values.
 *
 * `args` arrive from the network: a mutator should check them and throw on anything it does not
 * accept. On the server a throwing mutator is rolled back and dropped, and its id still advances.
 */
import { PlasmaError } from "../errors/plasma-error.js"
import type { Db } from "../query/db.js"
import type { AnySchema } from "../schema/define-schema.js"
import type { AuthContext } from "../schema/table.js"

/** The one argument of every mutator. */
export interface MutatorInput<S extends AnySchema, Ctx, Args> {
  readonly db: Db<S>
  readonly args: Args
  readonly ctx: Ctx
  readonly clientID: string
  readonly mutationID: number
}

/** One mutator. Annotate `args` to type them: `async ({ db, args }: MutatorInput<S, Ctx, { id: string }>) => …`. */
export type Mutator<S extends AnySchema, Ctx, Args = any> = (input: MutatorInput<S, Ctx, Args>) => Promise<void> | void

/**
 * A set of mutators by name. The default schema is `any` on purpose: a mutator's input holds a
 * `Db<S>`, which makes mutators of a concrete schema not assignable to `Mutator<AnySchema>`, so
 * with `AnySchema` as default no app's mutators would satisfy a plain `MutatorMap`.
 */
export type MutatorMap<S extends AnySchema = any, Ctx = any> = Readonly<Record<string, Mutator<S, Ctx>>>

/** The `args` type a mutator declares. */
export type MutatorArgs<M extends MutatorMap, Name extends keyof M> = M[Name] extends Mutator<any, any, infer A> ? A : never

/**
 * Declares the mutators of a schema. Curried so the schema and context types are given once
 * while the mutator map is inferred.
 * @example
 * export const mutators = defineMutators<typeof schema, Ctx>()({
 *   markDone: async ({ db, args }: MutatorInput<typeof schema, Ctx, { id: string }>) => {
 *     await db.update(todos).set({ done: true }).where(eq(todos.id, args.id))
 *   },
 * })
 */
export function defineMutators<S extends AnySchema, Ctx = AuthContext>(): <M extends Record<string, Mutator<S, Ctx>>>(mutators: M) => Readonly<M> {
  return (mutators) => {
    for (const [name, mutator] of Object.entries(mutators)) {
      if (typeof mutator !== "function") throw new PlasmaError("invalid-schema", `mutator "${name}" must be a function`)
    }
    return Object.freeze({ ...mutators })
  }
}

/** Looks a mutator up by name, refusing names the map does not own (`constructor`, `__proto__`). */
export function mutatorOf<M extends MutatorMap>(mutators: M, name: string): M[keyof M] {
  if (typeof name !== "string" || !Object.hasOwn(mutators, name)) {
    const known = Object.keys(mutators)
    throw new PlasmaError("unknown-mutator", `unknown mutator "${String(name)}"; known mutators: ${known.length === 0 ? "(none)" : known.join(", ")}`, {
      details: { mutator: String(name), known },
    })
  }
  return mutators[name] as M[keyof M]
}

/**
 * The key under which a `Db` can offer to run a whole mutator as one transaction. The server's
 * `createServerDb` does: `invokeMutator` then runs the mutator through it, so all of its writes
 * commit together (or none do) and it is re-run when a concurrent commit changed what it read —
 * the same guarantees a mutator gets from the sync handler.
 */
export const RUN_IN_TRANSACTION: unique symbol = Symbol.for("plasma.runInTransaction")

/** A `Db` that runs functions as serializable, atomic transactions. */
export interface TransactionalDb<S extends AnySchema = AnySchema> {
  [RUN_IN_TRANSACTION]<T>(fn: (db: Db<S>) => Promise<T>): Promise<T>
}

function transactionRunnerOf(db: unknown): TransactionalDb[typeof RUN_IN_TRANSACTION] | null {
  if (typeof db !== "object" || db === null) return null
  const run = (db as Partial<TransactionalDb>)[RUN_IN_TRANSACTION]
  return typeof run === "function" ? run.bind(db) : null
}

/**
 * Runs one mutator by name against any `Db`: the memory engine, a server transaction, or
 * `createServerDb` from cron and webhooks (whose writes are logged and reach clients). When the
 * `db` runs transactions (`createServerDb` does), the mutator runs as one: atomic and
 * serializable.
 * @example
 * await invokeMutator(mutators, "markDone", { db, args: { id: "t1" }, ctx, clientID: "system", mutationID: 0 })
 */
export async function invokeMutator<M extends MutatorMap, Name extends keyof M & string>(
  mutators: M,
  name: Name,
  input: Parameters<M[Name]>[0],
): Promise<void> {
  const mutator = mutatorOf(mutators, name)
  const run = transactionRunnerOf(input.db)
  if (run === null) {
    await mutator(input)
    return
  }
  await run((db) => Promise.resolve(mutator({ ...input, db })))
}
