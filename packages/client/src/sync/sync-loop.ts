/**
 * When the client syncs. Triggers: `start()` itself, a poll timer (`pollIntervalMs`, re-armed
 * after each tick), pokes from `subscribe`, the browser's `online` event, and the client's own
 * requests (a mutation asks for a push; a push that filled a batch asks for another). Requests
 * coalesce into flags; one drain loop runs them, push before pull (so the pull confirms the
 * push), until no flag is left. Failures were reported where they happened; the loop only goes
 * on. After `stop()` no timer is left and no trigger is listened to; `close()` ends it for good.
 */
import type { ClientClock } from "../plasma-client.js"

export interface SyncLoopOptions {
  readonly clock: ClientClock
  readonly pollIntervalMs: number
  readonly subscribe: ((onPoke: () => void) => () => void) | undefined
  readonly ready: Promise<void>
  readonly push: () => Promise<void>
  readonly pull: () => Promise<void>
  /** Whether a poll should also push. */
  readonly hasPending: () => boolean
  /** The browser says it went offline (status only: requests still decide). */
  readonly onOffline?: () => void
}

type EventTargetLike = { addEventListener?: (t: string, l: () => void) => void; removeEventListener?: (t: string, l: () => void) => void }

export class SyncLoop {
  readonly #options: SyncLoopOptions
  #started = false
  #closed = false
  #pollTimer: unknown = undefined
  #unsubscribe: (() => void) | null = null
  #removeOnline: (() => void) | null = null
  #wantPush = false
  #wantPull = false
  #draining = false

  constructor(options: SyncLoopOptions) {
    this.#options = options
  }

  get started(): boolean {
    return this.#started
  }

  start(): void {
    if (this.#started || this.#closed) return
    this.#started = true
    this.#unsubscribe = this.#options.subscribe?.(() => this.schedule(false, true)) ?? null
    const target = globalThis as EventTargetLike
    if (typeof target.addEventListener === "function" && typeof target.removeEventListener === "function") {
      const onOnline = (): void => this.schedule(true, true)
      const onOffline = (): void => this.#options.onOffline?.()
      target.addEventListener("online", onOnline)
      target.addEventListener("offline", onOffline)
      this.#removeOnline = () => {
        target.removeEventListener?.("online", onOnline)
        target.removeEventListener?.("offline", onOffline)
      }
    }
    this.schedule(true, true)
    this.#armPoll()
  }

  stop(): void {
    this.#started = false
    this.#unsubscribe?.()
    this.#unsubscribe = null
    this.#removeOnline?.()
    this.#removeOnline = null
    if (this.#pollTimer !== undefined) this.#options.clock.clearTimeout(this.#pollTimer)
    this.#pollTimer = undefined
  }

  close(): void {
    this.stop()
    this.#closed = true
  }

  /** Asks for a push and/or a pull. */
  schedule(push: boolean, pull: boolean): void {
    this.#wantPush ||= push
    this.#wantPull ||= pull
    if (this.#draining || this.#closed) return
    this.#draining = true
    void this.#drain()
  }

  async #drain(): Promise<void> {
    try {
      await this.#options.ready
      while ((this.#wantPush || this.#wantPull) && !this.#closed) {
        if (this.#wantPush) {
          this.#wantPush = false
          await this.#options.push().catch(() => undefined)
        }
        if (this.#wantPull) {
          this.#wantPull = false
          await this.#options.pull().catch(() => undefined)
        }
      }
    } catch {
      // The store failed to open: reported where it happened.
    } finally {
      this.#draining = false
    }
  }

  #armPoll(): void {
    const interval = this.#options.pollIntervalMs
    if (!this.#started || interval <= 0) return
    this.#pollTimer = this.#options.clock.setTimeout(() => {
      this.#pollTimer = undefined
      this.schedule(this.#options.hasPending(), true)
      this.#armPoll()
    }, interval)
  }
}
