/**
 * One live query: its subscribers, its last delivered result, and the delivery rules.
 *
 * - Each subscriber remembers the result array it last received. A delivery skips subscribers
 *   that already hold the current array, so nobody gets the same result twice, even when a
 *   listener subscribes or notifies in the middle of a delivery.
 * - A subscriber's first delivery is the current result (rows), or the whole window as `added`
 *   (delta). Later deltas are computed from what that subscriber last received.
 * - A throwing listener is reported to the registry's `onError`; the others still run.
 * - The query attaches to its registry with its first subscriber and detaches (dropping its
 *   incremental state) when the last one leaves. `current` keeps the last delivered result
 *   meanwhile; re-attaching evaluates again and keeps that array when nothing changed.
 */
import type { SelectNode } from "@plasma/core"
import { computeDelta, type LiveDelta } from "./live-delta.js"
import { LiveQueryError } from "./live-query-error.js"
import type { ResolvedChanges, ResultSource } from "./result-source.js"
import { sameRows, type Row } from "./row-identity.js"

/**
 * A select kept up to date over the client's optimistic view.
 * @example
 * const live = plasma.db.select().from(todos).where(eq(todos.done, false)).live()
 * const stop = live.subscribe((rows) => render(rows))
 * await live.whenReady()
 */
export interface LiveQuery<R> {
  /** The select this query runs. */
  readonly ast: SelectNode
  /** The last delivered result; the same array until the result changes (for `useSyncExternalStore`). */
  readonly current: readonly R[] | undefined
  /** Calls `listener` with the result now (if known) and whenever it changes. Returns the unsubscribe. */
  subscribe(listener: (rows: readonly R[]) => void): () => void
  /** Like `subscribe`, with what changed; the first call has the whole window as `added`. */
  subscribeDelta(listener: (delta: LiveDelta<R>) => void): () => void
  /** Resolves with the first delivered result (subscribing for it, if nobody is). */
  whenReady(): Promise<readonly R[]>
}

/** What a live query needs from its registry. */
export interface LiveQueryHost {
  readonly state: "waiting" | "open" | "closed"
  attach(query: LiveQueryState): void
  detach(query: LiveQueryState): void
  report(error: unknown): void
}

interface Subscriber {
  readonly delta: boolean
  readonly fn: (value: never) => void
  /** The result array this subscriber last received. */
  seen: readonly Row[] | undefined
  active: boolean
}

const EMPTY: readonly Row[] = Object.freeze([])

/**
 * The registry's side of a live query (the object users get, typed as `LiveQuery<R>`).
 * `refresh`, `apply`, `deliver` and `shutdown` are for the registry only.
 */
export class LiveQueryState implements LiveQuery<Row> {
  readonly ast: SelectNode
  readonly #source: ResultSource
  readonly #host: LiveQueryHost
  readonly #subscribers = new Set<Subscriber>()
  readonly #waiters = new Set<(error: unknown) => void>()
  #current: readonly Row[] | undefined = undefined
  #attached = false
  /** `#current` follows the view (evaluated since the query attached). */
  #live = false

  constructor(ast: SelectNode, source: ResultSource, host: LiveQueryHost) {
    this.ast = ast
    this.#source = source
    this.#host = host
  }

  get current(): readonly Row[] | undefined {
    return this.#current
  }

  subscribe(listener: (rows: readonly Row[]) => void): () => void {
    return this.#add({ delta: false, fn: listener, seen: undefined, active: true })
  }

  subscribeDelta(listener: (delta: LiveDelta<Row>) => void): () => void {
    return this.#add({ delta: true, fn: listener, seen: undefined, active: true })
  }

  whenReady(): Promise<readonly Row[]> {
    if (this.#host.state === "closed") return Promise.reject(closedError(this.ast))
    if (this.#live && this.#current !== undefined) return Promise.resolve(this.#current)
    return new Promise((resolve, reject) => {
      let stop: (() => void) | undefined
      let done = false
      const fail = (error: unknown): void => {
        done = true
        reject(error)
      }
      this.#waiters.add(fail)
      stop = this.subscribe((rows) => {
        if (done) return
        done = true
        this.#waiters.delete(fail)
        resolve(rows)
        stop?.()
      })
      // The listener may have run inside `subscribe`, before `stop` existed.
      if (done) stop()
    })
  }

  /** Evaluates over the whole view (when attached and not yet live). Returns `true` if there is something to deliver. */
  refresh(): boolean {
    // A detached query misses notifications, so it must not claim to be live.
    if (!this.#attached) return false
    try {
      const next = this.#source.evaluate(this.#current)
      this.#current = this.#current !== undefined && sameRows(next, this.#current) ? this.#current : next
      this.#live = true
      return true
    } catch (error) {
      this.#host.report(error)
      return false
    }
  }

  /** Brings the result up to date after `changes`. Returns `true` when it changed. */
  apply(changes: ResolvedChanges): boolean {
    if (!this.#live || this.#current === undefined) return this.refresh()
    try {
      const next = this.#source.update(changes, this.#current)
      if (next === this.#current) return false
      this.#current = next
      return true
    } catch (error) {
      // The incremental state may be half updated: start from scratch next time.
      this.#live = false
      this.#source.release()
      this.#host.report(error)
      return false
    }
  }

  /** Gives the current result to every subscriber that does not hold it yet. */
  deliver(): void {
    const current = this.#current
    if (current === undefined) return
    let cached: { from: readonly Row[]; delta: LiveDelta<Row> } | undefined
    for (const subscriber of [...this.#subscribers]) {
      if (!subscriber.active || subscriber.seen === current || this.#current !== current) continue
      const from = subscriber.seen
      subscriber.seen = current
      let value: readonly Row[] | LiveDelta<Row> = current
      if (subscriber.delta) {
        if (from === undefined) value = { added: current, removed: EMPTY, changed: EMPTY }
        else {
          if (cached?.from !== from) cached = { from, delta: computeDelta(this.#source.keying, from, current) }
          value = cached.delta
        }
      }
      try {
        ;(subscriber.fn as (value: readonly Row[] | LiveDelta<Row>) => void)(value)
      } catch (error) {
        this.#host.report(error)
      }
    }
  }

  /** The registry closed: drop everything and reject pending `whenReady` calls. */
  shutdown(): void {
    for (const subscriber of this.#subscribers) subscriber.active = false
    this.#subscribers.clear()
    this.#attached = false
    this.#live = false
    this.#source.release()
    const error = closedError(this.ast)
    for (const fail of this.#waiters) fail(error)
    this.#waiters.clear()
  }

  #add(subscriber: Subscriber): () => void {
    if (this.#host.state === "closed") return () => {}
    this.#subscribers.add(subscriber)
    if (!this.#attached) {
      this.#attached = true
      this.#host.attach(this)
    }
    if (this.#host.state === "open" && (this.#live || this.refresh())) this.deliver()
    return () => this.#remove(subscriber)
  }

  #remove(subscriber: Subscriber): void {
    if (!subscriber.active) return
    subscriber.active = false
    this.#subscribers.delete(subscriber)
    if (this.#subscribers.size > 0 || !this.#attached) return
    this.#attached = false
    this.#live = false
    this.#source.release()
    this.#host.detach(this)
  }
}

function closedError(ast: SelectNode): LiveQueryError {
  return new LiveQueryError("closed", `the live query on "${ast.from}" was closed before its first delivery`, { details: { table: ast.from } })
}
