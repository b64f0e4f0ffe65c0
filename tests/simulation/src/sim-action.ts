/**
 * One step of a simulation run, as plain JSON data. A run is a list of these; fast-check
 * generates and shrinks the list, and a failing list is written out as the reproduction, which
 * `pnpm sim --replay` runs again step by step.
 *
 * Indices (`tab`, `pick`, `group`) are taken modulo what exists when the step runs, so any
 * sub-list of a valid run is a valid run (shrinking may drop any step).
 */
import fc from "fast-check"

/**
 * What the network does to one request:
 * - `ok`: delivered, answered.
 * - `drop`: lost before the server saw it (the client sees a network error).
 * - `lose`: the server applied it, the answer is lost.
 * - `dup`: delivered and answered, and a copy arrives again later (`deliver` step).
 * - `delay`: lost now for the client, arrives at the server later (reordered after newer ones).
 */
export type Fault = "ok" | "drop" | "lose" | "dup" | "delay"

export type MutationKind = "addItem" | "renameItem" | "shareItem" | "deleteItem" | "attachFile" | "detachFile" | "addNote" | "increment" | "poisonItem"

export type ServerOp = "compact" | "compactPruneTombstones" | "pruneClients" | "gcOrphanedBlobs" | "invokeIncrement" | "invokeRename"

export type SimAction =
  | { readonly t: "mutate"; readonly tab: number; readonly kind: MutationKind; readonly pick: number; readonly by: number }
  | { readonly t: "push"; readonly tab: number; readonly faults: readonly Fault[] }
  | { readonly t: "pull"; readonly tab: number; readonly faults: readonly Fault[] }
  | { readonly t: "deliver"; readonly pick: number }
  | { readonly t: "offline"; readonly tab: number }
  | { readonly t: "online"; readonly tab: number }
  | { readonly t: "closeTab"; readonly tab: number }
  | { readonly t: "openTab"; readonly group: number }
  | { readonly t: "server"; readonly op: ServerOp; readonly pick: number; readonly fraction: number }
  | { readonly t: "quiesce" }

const MUTATION_KINDS: readonly MutationKind[] = ["addItem", "renameItem", "shareItem", "deleteItem", "attachFile", "detachFile", "addNote", "increment", "poisonItem"]
const SERVER_OPS: readonly ServerOp[] = ["compact", "compactPruneTombstones", "pruneClients", "gcOrphanedBlobs", "invokeIncrement", "invokeRename"]

const index = fc.nat({ max: 31 })
const faults = fc.array(fc.oneof({ weight: 3, arbitrary: fc.constant<Fault>("ok") }, { weight: 2, arbitrary: fc.constantFrom<Fault>("drop", "lose", "dup", "delay") }), { maxLength: 4 })

/** The step generator: mostly mutations and syncs, sometimes faults, tabs and server work. */
export const simActionArbitrary: fc.Arbitrary<SimAction> = fc.oneof(
  { weight: 10, arbitrary: fc.record({ t: fc.constant("mutate" as const), tab: index, kind: fc.constantFrom(...MUTATION_KINDS), pick: index, by: fc.integer({ min: 1, max: 3 }) }) },
  { weight: 4, arbitrary: fc.record({ t: fc.constant("push" as const), tab: index, faults }) },
  { weight: 4, arbitrary: fc.record({ t: fc.constant("pull" as const), tab: index, faults }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant("deliver" as const), pick: index }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant("offline" as const), tab: index }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant("online" as const), tab: index }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant("closeTab" as const), tab: index }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant("openTab" as const), group: index }) },
  { weight: 1, arbitrary: fc.record({ t: fc.constant("server" as const), op: fc.constantFrom(...SERVER_OPS), pick: index, fraction: fc.double({ min: 0, max: 1, noNaN: true }) }) },
  { weight: 1, arbitrary: fc.constant({ t: "quiesce" as const }) },
)

/** A run of at most `steps` steps. */
export function simRunArbitrary(steps: number): fc.Arbitrary<SimAction[]> {
  return fc.array(simActionArbitrary, { maxLength: steps, size: "max" })
}
