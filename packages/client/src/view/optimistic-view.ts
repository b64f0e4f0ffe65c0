/**
 * The optimistic view: base (confirmed rows) + overlay (pending mutations replayed in order).
 *
 * Protocol of a rebase (a pull's patch, or a whole reset):
 *  1. `prepareRebase` builds the NEW base as a layer over the old one (or takes the staged reset
 *     base), and a NEW overlay over it, replaying every pending mutation there. This may await
 *     (mutators are async) and touches nothing readers see.
 *  2. `commitRebase` then, synchronously: applies the patch to the real base (O(patch)), moves
 *     the new overlay onto it and swaps it in, and returns the ids touched by the patch, the old
 *     overlay and the new one, for exactly one live-query notification.
 * Invariant: between two `commitRebase` calls a reader sees either the old state or the new one,
 * never the patched base without its pending mutations (the counter never shows the bare server
 * value). The caller serializes runs and rebases (one at a time), so no mutation lands in the
 * old overlay while a new one is built.
 */
import type { PatchOperation } from "@plasma/core"
import { BaseRows, mergeTouched, RowLayer, type Row, type RowReader, type TouchedIds } from "./row-layer.js"
import type { OutboxEntry } from "../sync/outbox-entry.js"

/** Runs one mutation's mutator with the given row store as its data. Throws when the mutator throws. */
export type MutationRunner = (entry: OutboxEntry, store: RowLayer) => Promise<void>

/** A patch decoded for the view: rows in JavaScript form. */
export type DecodedPatch = readonly (
  | { readonly op: "put"; readonly table: string; readonly id: string; readonly value: Readonly<Row> }
  | { readonly op: "del"; readonly table: string; readonly id: string }
)[]

/** What a prepared rebase carries to its commit. */
export interface PreparedRebase {
  readonly patch: DecodedPatch
  readonly reset: BaseRows | null
  readonly overlay: RowLayer
  /** Pending mutations that threw on replay (they stay queued; the server will judge them). */
  readonly failures: readonly { readonly entry: OutboxEntry; readonly error: unknown }[]
}

export class OptimisticView implements RowReader {
  readonly base = new BaseRows()
  #overlay = new RowLayer(this.base)

  get(table: string, id: string): Readonly<Row> | undefined {
    return this.#overlay.get(table, id)
  }
  rows(table: string): Iterable<Readonly<Row>> {
    return this.#overlay.rows(table)
  }

  /**
   * Runs one mutation on a scratch layer over the overlay; merges its writes on success, discards
   * them on a throw (and rethrows). `beforeMerge` (persisting the entry) runs between the two and
   * may throw too: then nothing is merged. Returns the ids it wrote.
   */
  async run(entry: OutboxEntry, runner: MutationRunner, beforeMerge?: () => Promise<void>): Promise<TouchedIds> {
    return runOn(this.#overlay, entry, runner, beforeMerge)
  }

  /** Step 1 of a rebase (see the module protocol). */
  async prepareRebase(patch: DecodedPatch, reset: BaseRows | null, pending: readonly OutboxEntry[], runner: MutationRunner): Promise<PreparedRebase> {
    let newBase: RowReader
    if (reset !== null) {
      const staged = new RowLayer(reset)
      applyPatch(staged, patch)
      newBase = staged
    } else {
      const patched = new RowLayer(this.base)
      applyPatch(patched, patch)
      newBase = patched
    }
    const overlay = new RowLayer(newBase)
    const failures: { entry: OutboxEntry; error: unknown }[] = []
    for (const entry of pending) {
      try {
        await runOn(overlay, entry, runner)
      } catch (error) {
        failures.push({ entry, error })
      }
    }
    return { patch, reset, overlay, failures }
  }

  /** Step 2 of a rebase: synchronous swap. Returns every id whose visible row may have changed. */
  commitRebase(prepared: PreparedRebase): TouchedIds {
    const touched = this.#overlay.touched()
    if (prepared.reset !== null) {
      mergeTouched(touched, this.base.ids())
      mergeTouched(touched, prepared.reset.ids())
      this.base.replaceWith(prepared.reset)
    }
    applyPatch(this.base, prepared.patch)
    for (const op of prepared.patch) mergeTouched(touched, new Map([[op.table, new Set([op.id])]]))
    prepared.overlay.reparent(this.base)
    mergeTouched(touched, prepared.overlay.touched())
    this.#overlay = prepared.overlay
    return touched
  }

  /** Drops everything (a local reset). Returns the ids that were visible. */
  clear(): TouchedIds {
    const touched = mergeTouched(this.base.ids(), this.#overlay.touched())
    this.base.replaceWith(new BaseRows())
    this.#overlay = new RowLayer(this.base)
    return touched
  }
}

async function runOn(target: RowLayer, entry: OutboxEntry, runner: MutationRunner, beforeMerge?: () => Promise<void>): Promise<TouchedIds> {
  const scratch = new RowLayer(target)
  await runner(entry, scratch)
  await beforeMerge?.()
  scratch.mergeInto(target)
  return scratch.touched()
}

function applyPatch(target: { put(table: string, row: Readonly<Row>): void; delete(table: string, id: string): void }, patch: DecodedPatch): void {
  for (const op of patch) {
    if (op.op === "put") target.put(op.table, op.value)
    else target.delete(op.table, op.id)
  }
}

/** The patch operation type on the wire, re-exported for the decoder. */
export type { PatchOperation }
