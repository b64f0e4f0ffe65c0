/**
 * The live query registry of one client.
 *
 * Protocol:
 * 1. `create(node)` validates the select (core's `validateQuery`) and picks how it is kept up to
 *    date: incrementally (`createSortedWindow`) for one table + where + orderBy + limit/offset,
 *    else by full re-evaluation (`createFullEvaluation`). Nothing runs yet.
 * 2. A query attaches with its first subscriber, under every table it reads (joins included,
 *    core's `tablesOfSelect`), and detaches when its last subscriber leaves.
 * 3. `open()` says the view is loaded: every attached query is evaluated and delivered. Before
 *    it, subscribers wait and `notify` is ignored (`open` reads the whole view anyway).
 * 4. `notify(changes)` runs synchronously: the queries attached under a changed table are
 *    brought up to date first, all of them, and only then delivered, so a listener that reads
 *    another query's `current` sees the same view. A query whose result did not change is not
 *    delivered. A `notify` made by a listener during a delivery is queued and run right after
 *    it, still inside the outer call (at most `MAX_NOTIFY_ROUNDS` rounds).
 * 5. `close()` drops every query; pending `whenReady()` calls reject with `LiveQueryError` "closed".
 */
import { PlasmaError, tablesOfSelect, validateQuery, type AnySchema, type SelectNode } from "@plasma/core"
import { createFullEvaluation } from "./full-evaluation.js"
import { HolderIndex } from "./holder-index.js"
import { keyingOf } from "./live-delta.js"
import { LiveQueryState, type LiveQuery, type LiveQueryHost } from "./live-query.js"
import type { ChangedRow, ResolvedChanges } from "./result-source.js"
import { createSortedWindow, isWindowShape } from "./sorted-window.js"
import type { ViewChanges, ViewReader } from "./view-reader.js"

/** Listener-triggered notifications handled within one outer `notify` before giving up. */
export const MAX_NOTIFY_ROUNDS = 100

/** Options of {@link createLiveRegistry}. */
export interface LiveRegistryOptions {
  readonly schema: AnySchema
  /** The optimistic view the queries read. */
  readonly view: ViewReader
  /** Receives throwing listeners and evaluation failures (default: `console.error`). */
  readonly onError?: (error: unknown) => void
}

/** The live queries of one client (see the module protocol). */
export interface LiveRegistry {
  /** A live query over `node`; throws `invalid-query` / `invalid-value` for a query no engine would run. */
  create<R>(node: SelectNode): LiveQuery<R>
  /** The view is loaded: evaluate and deliver to waiting subscribers. */
  open(): void
  /** Synchronously re-evaluates the queries reading a changed table and fires their callbacks. */
  notify(changes: ViewChanges): void
  /** Drops every query. */
  close(): void
}

class Registry implements LiveRegistry, LiveQueryHost {
  readonly #schema: AnySchema
  readonly #view: ViewReader
  readonly #onError: (error: unknown) => void
  readonly #byTable = new Map<string, Set<LiveQueryState>>()
  readonly #index = new HolderIndex()
  #state: "waiting" | "open" | "closed" = "waiting"
  #delivering = false
  #queued: Map<string, Set<string>> | null = null

  constructor(options: LiveRegistryOptions) {
    this.#schema = options.schema
    this.#view = options.view
    this.#onError = options.onError ?? ((error) => console.error("plasma live query:", error))
  }

  get state(): "waiting" | "open" | "closed" {
    return this.#state
  }

  create<R>(node: SelectNode): LiveQuery<R> {
    if (typeof node !== "object" || node === null || node.kind !== "select") throw new PlasmaError("invalid-query", "a live query needs a select node")
    validateQuery(this.#schema, node)
    const source = isWindowShape(node) ? createSortedWindow(this.#schema, node, this.#view, this.#index) : createFullEvaluation(this.#schema, node, this.#view, keyingOf(node))
    // Rows are delivered as the query builder returns them; `R` is the builder's row type.
    return new LiveQueryState(node, source, this) as unknown as LiveQuery<R>
  }

  open(): void {
    if (this.#state !== "waiting") return
    this.#state = "open"
    this.#run(() => {
      const queries = this.#attached()
      return queries.filter((q) => q.refresh())
    })
  }

  notify(changes: ViewChanges): void {
    if (this.#state !== "open") return
    if (this.#delivering) {
      this.#queue(changes)
      return
    }
    this.#run(() => this.#update(changes))
  }

  close(): void {
    if (this.#state === "closed") return
    this.#state = "closed"
    const queries = this.#attached()
    this.#byTable.clear()
    this.#queued = null
    for (const query of queries) query.shutdown()
  }

  attach(query: LiveQueryState): void {
    for (const table of tablesOfSelect(query.ast)) {
      let set = this.#byTable.get(table)
      if (set === undefined) this.#byTable.set(table, (set = new Set()))
      set.add(query)
    }
  }

  detach(query: LiveQueryState): void {
    for (const table of tablesOfSelect(query.ast)) {
      const set = this.#byTable.get(table)
      set?.delete(query)
      if (set?.size === 0) this.#byTable.delete(table)
    }
  }

  report(error: unknown): void {
    try {
      this.#onError(error)
    } catch {
      // An onError that throws must not stop the other listeners.
    }
  }

  /** Runs one update step, delivers its changed queries, then the steps listeners queued. */
  #run(step: () => LiveQueryState[]): void {
    this.#delivering = true
    try {
      let changed = step()
      for (let round = 1; ; round++) {
        for (const query of changed) query.deliver()
        const queued = this.#queued
        this.#queued = null
        if (queued === null || this.#state !== "open") return
        if (round >= MAX_NOTIFY_ROUNDS) {
          this.report(new Error(`live queries: listeners kept notifying for ${MAX_NOTIFY_ROUNDS} rounds; the rest was dropped`))
          return
        }
        changed = this.#update(queued)
      }
    } finally {
      this.#delivering = false
    }
  }

  #queue(changes: ViewChanges): void {
    const queued = (this.#queued ??= new Map())
    for (const [table, ids] of changes) {
      if (ids.size === 0) continue
      let set = queued.get(table)
      if (set === undefined) queued.set(table, (set = new Set()))
      for (const id of ids) set.add(id)
    }
  }

  /** Updates the queries reading a changed table; returns those whose result changed. */
  #update(changes: ViewChanges): LiveQueryState[] {
    const affected = new Set<LiveQueryState>()
    const resolved = new Map<string, ChangedRow[]>()
    for (const [table, ids] of changes) {
      const queries = this.#byTable.get(table)
      if (ids.size === 0 || queries === undefined) continue
      for (const query of queries) affected.add(query)
      // Each id is looked up once for every query that reads the table.
      resolved.set(
        table,
        Array.from(ids, (id): ChangedRow => ({ id, row: this.#view.get(table, id), holders: undefined, epoch: -1 })),
      )
    }
    const all: ResolvedChanges = resolved
    return [...affected].filter((query) => query.apply(all))
  }

  #attached(): LiveQueryState[] {
    const all = new Set<LiveQueryState>()
    for (const queries of this.#byTable.values()) for (const query of queries) all.add(query)
    return [...all]
  }
}

/**
 * Creates the live query registry of a client over its optimistic view.
 * @example
 * const registry = createLiveRegistry({ schema, view, onError: report })
 * const live = registry.create<Todo>(db.select().from(todos).toNode())
 * live.subscribe(render)
 * registry.open()                                   // view loaded: render runs
 * registry.notify(new Map([["todos", new Set(["t1"])]]))   // after the view changed
 */
export function createLiveRegistry(options: LiveRegistryOptions): LiveRegistry {
  return new Registry(options)
}
