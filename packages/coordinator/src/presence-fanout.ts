/**
 * Presence fan-out for one room: coalesced, paced, and sent as diffs once the room is big.
 *
 * Protocol (one timer, in memory):
 * 1. A change (join, leave, userInfo update) adds its clientID to `#changed` and wakes a flush
 *    after `presenceCoalesceMs`, or not before `#nextFanoutAt` when the last fan-out was recent.
 *    A join always wakes it after `presenceCoalesceMs`: a new socket's first snapshot is not
 *    held back by the pacing (it is one O(n) frame to one socket).
 * 2. A flush reads the room once (`toPresenceEntries`). Sockets that never got a presence frame
 *    from this instance get the full snapshot. When `#nextFanoutAt` has passed and something
 *    changed, every other socket gets the diff of `#changed`, or the snapshot when that is not
 *    smaller or below `presenceDiffMinBytes`; `#changed` is cleared.
 * 3. A fan-out of `b` bytes sets `#nextFanoutAt` to `now + max(presenceMinIntervalMs, b /
 *    presenceBytesPerSecond)`; join snapshots sent in between add their `b / budget` to it. So the
 *    room's presence bytes per second stay under the budget whatever n is, and a busy big room
 *    sees its changes later instead.
 *
 * Invariant: a socket gets a diff only after a snapshot from this same instance, and then every
 * later fan-out, so each diff applies to exactly the state the socket holds. Hibernation drops
 * `#synced` together with `#changed`, so after a wake-up everyone gets a snapshot again: more
 * bytes once, never a wrong state.
 */
import { toPresenceEntries, type ConnectionManager } from "./connection-manager.js"
import { toPresenceDiff } from "./presence-diff.js"
import { utf8ByteLength, type ServerMessage } from "./protocol.js"
import { PRESENCE_MAX_JOIN_DELAY_MS } from "./room-limits.js"
import type { HibernatableWebSocket } from "./runtime-types.js"

/** The pacing knobs {@link PresenceFanout} reads (a subset of `SyncCoordinatorOptions`). */
export interface PresenceFanoutOptions {
  readonly presenceCoalesceMs: number
  readonly presenceMinIntervalMs: number
  readonly presenceBytesPerSecond: number
  readonly presenceDiffMinBytes: number
}

/** Sends one frame; false when the socket is gone. */
export type SendFrame = (ws: HibernatableWebSocket, frame: string) => boolean

/**
 * The presence publisher of one room (see the module protocol).
 *
 * @example
 * const presence = new PresenceFanout(connections, options, (ws, frame) => send(ws, frame))
 * presence.joined(clientID) // after accept
 * presence.changed(clientID) // after a userInfo update or a leave
 */
export class PresenceFanout {
  readonly #connections: ConnectionManager
  readonly #options: PresenceFanoutOptions
  readonly #send: SendFrame
  readonly #now: () => number
  readonly #changed = new Set<string>()
  readonly #synced = new WeakSet<HibernatableWebSocket>()
  #nextFanoutAt = 0
  #joinChargeCeiling = 0
  #timer: ReturnType<typeof setTimeout> | undefined
  #timerAt = 0

  constructor(connections: ConnectionManager, options: PresenceFanoutOptions, send: SendFrame, now: () => number = Date.now) {
    this.#connections = connections
    this.#options = options
    this.#send = send
    this.#now = now
  }

  /** A socket joined as `clientID`: its snapshot goes out soon, the others hear of it paced. */
  joined(clientID: string): void {
    this.#changed.add(clientID)
    this.#wake(this.#now() + this.#options.presenceCoalesceMs)
  }

  /** `clientID` changed its userInfo or one of its sockets left. */
  changed(clientID: string): void {
    this.#changed.add(clientID)
    this.#wake(Math.max(this.#now() + this.#options.presenceCoalesceMs, this.#nextFanoutAt))
  }

  /** Runs the timer at `at` unless it already runs sooner. */
  #wake(at: number): void {
    if (this.#timer !== undefined) {
      if (this.#timerAt <= at) return
      clearTimeout(this.#timer)
    }
    this.#timerAt = at
    this.#timer = setTimeout(() => {
      this.#timer = undefined
      this.#flush()
    }, Math.max(0, at - this.#now()))
  }

  #flush(): void {
    const now = this.#now()
    const fanout = this.#changed.size > 0 && now >= this.#nextFanoutAt
    const connections = this.#connections.all()
    const entries = toPresenceEntries(connections)
    const snapshot = JSON.stringify({ type: "presence", entries } satisfies ServerMessage)
    const snapshotBytes = utf8ByteLength(snapshot)
    let update = snapshot
    let updateBytes = snapshotBytes
    if (fanout && snapshotBytes >= this.#options.presenceDiffMinBytes) {
      const diff = JSON.stringify({ type: "presence-diff", ...toPresenceDiff(entries, this.#changed) } satisfies ServerMessage)
      const diffBytes = utf8ByteLength(diff)
      if (diffBytes < snapshotBytes) {
        update = diff
        updateBytes = diffBytes
      }
    }
    let bytes = 0
    for (const { ws } of connections) {
      if (!this.#synced.has(ws)) {
        if (this.#send(ws, snapshot)) {
          this.#synced.add(ws)
          bytes += snapshotBytes
        }
      } else if (fanout && this.#send(ws, update)) {
        bytes += updateBytes
      }
    }
    if (fanout) this.#changed.clear()
    const cost = (bytes / this.#options.presenceBytesPerSecond) * 1000
    if (fanout) {
      this.#nextFanoutAt = now + Math.max(this.#options.presenceMinIntervalMs, cost)
      this.#joinChargeCeiling = this.#nextFanoutAt + PRESENCE_MAX_JOIN_DELAY_MS
    } else {
      // Join snapshots are charged too, so a reconnect storm delays the next fan-out rather than
      // adding to it; up to a ceiling fixed at the last fan-out, so steady join churn cannot
      // starve the others' updates.
      this.#nextFanoutAt = Math.max(this.#nextFanoutAt, Math.min(Math.max(this.#nextFanoutAt, now) + cost, this.#joinChargeCeiling))
    }
    if (this.#changed.size > 0) this.#wake(Math.max(now + this.#options.presenceCoalesceMs, this.#nextFanoutAt))
  }
}
