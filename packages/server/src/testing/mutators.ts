/**
 * Mutators for the write-path tests. `apply` replays a JSON list of operations (so a test can
 * say what a mutation does without a mutator per case); the others are the classic shapes.
 */
import { defineMutators, eq, tableOf, type AuthContext, type MutatorInput } from "@plasma/core"
import type { SqlExecutor } from "@plasma/executors"
import { applyPush, type PushMutation, type PushResult } from "../sync/push.js"
import { counters, schema, type FixtureSchema } from "./fixture-schema.js"

/** One operation of the `apply` mutator. */
export type Op =
  | { readonly op: "insert"; readonly table: string; readonly rows: readonly Record<string, unknown>[] }
  | { readonly op: "update"; readonly table: string; readonly id: string; readonly set: Record<string, unknown> }
  | { readonly op: "delete"; readonly table: string; readonly id: string }
  | { readonly op: "throw"; readonly message: string }

type Input<Args> = MutatorInput<FixtureSchema, AuthContext, Args>

export const mutators = defineMutators<FixtureSchema, AuthContext>()({
  apply: async ({ db, args }: Input<readonly Op[]>) => {
    for (const o of args) {
      if (o.op === "throw") throw new Error(o.message)
      const table = tableOf(schema, o.table) as never
      const idColumn = (tableOf(schema, o.table) as unknown as { id: Parameters<typeof eq>[0] }).id
      if (o.op === "insert") await db.insert(table).values(o.rows as never)
      else if (o.op === "update") await db.update(table).set(o.set as never).where(eq(idColumn, o.id))
      else await db.delete(table).where(eq(idColumn, o.id))
    }
  },
  /** Reads a counter and writes it back plus one: a lost update shows as a count below N. */
  increment: async ({ db, args }: Input<{ id: string }>) => {
    const [row] = await db.select().from(counters).where(eq(counters.id, args.id))
    if (row === undefined) await db.insert(counters).values({ id: args.id, value: 1 })
    else await db.update(counters).set({ value: row.value + 1 }).where(eq(counters.id, args.id))
  },
})

/**
 * Pushes `mutations` as the next ids of one client (read from the database), through
 * `applyPush`, the sync handler's write path.
 */
export async function push(
  executor: SqlExecutor,
  clientID: string,
  mutations: readonly { name: keyof typeof mutators; args: unknown }[],
  options: { clientGroupID?: string; ctx?: AuthContext } = {},
): Promise<PushResult> {
  const clientGroupID = options.clientGroupID ?? `g-${clientID}`
  const first = (await lastMutationID(executor, clientGroupID, clientID)) + 1
  const list: PushMutation[] = mutations.map((m, i) => ({ id: first + i, name: m.name, args: m.args }))
  return applyPush({
    schema,
    mutators,
    executor,
    ctx: options.ctx ?? {},
    clientGroupID,
    clientID,
    mutations: list,
  })
}

/** Shorthand: one `apply` mutation. */
export function applyOps(executor: SqlExecutor, clientID: string, ops: readonly Op[], options?: { clientGroupID?: string; ctx?: AuthContext }): Promise<PushResult> {
  return push(executor, clientID, [{ name: "apply", args: ops }], options)
}

/** The client's `last_mutation_id`, 0 when unknown (or before the schema exists). */
export async function lastMutationID(executor: SqlExecutor, clientGroupID: string, clientID: string): Promise<number> {
  try {
    const rows = await executor.all<{ m: number }>({
      text: "SELECT last_mutation_id AS m FROM _plasma_client_mutations WHERE client_group_id = ? AND client_id = ?",
      params: [clientGroupID, clientID],
    })
    return Number(rows[0]?.m ?? 0)
  } catch {
    return 0
  }
}
