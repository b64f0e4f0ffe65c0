/**
 * What the simulated users asked for: every mutation a tab issued, by tag. A mutation is
 * `certain` in its tab once `mutate` resolved (from then on the tab's view must include it
 * until the server's answer covers it); before that it may or may not show.
 */
import type { MutationKind } from "./sim-action.js"

export interface IssuedMutation {
  readonly tag: string
  readonly kind: MutationKind
  readonly groupID: string
  readonly tabKey: string
  /** The row the mutation targets (item id for item mutations, counter id for increments). */
  readonly target: string
  readonly by: number
  certain: boolean
}

export class IssuedLog {
  readonly #byTag = new Map<string, IssuedMutation>()
  readonly #byGroup = new Map<string, IssuedMutation[]>()
  /** Sum of server-side (`invokeMutator`) increments per counter. */
  readonly serverIncrements = new Map<string, number>()

  add(mutation: IssuedMutation): void {
    this.#byTag.set(mutation.tag, mutation)
    const list = this.#byGroup.get(mutation.groupID) ?? []
    list.push(mutation)
    this.#byGroup.set(mutation.groupID, list)
  }

  /** A `mutate` that rejected locally queued nothing: forget it. */
  remove(tag: string): void {
    const m = this.#byTag.get(tag)
    if (m === undefined) return
    this.#byTag.delete(tag)
    const list = this.#byGroup.get(m.groupID)
    if (list !== undefined) list.splice(list.indexOf(m), 1)
  }

  get(tag: string): IssuedMutation | undefined {
    return this.#byTag.get(tag)
  }

  ofGroup(groupID: string): readonly IssuedMutation[] {
    return this.#byGroup.get(groupID) ?? []
  }

  all(): IterableIterator<IssuedMutation> {
    return this.#byTag.values()
  }
}
