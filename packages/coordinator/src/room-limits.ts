/**
 * Per-room limits of the coordinator, as named defaults. Each is a field of
 * `SyncCoordinatorOptions`, so a subclass can change it (see the README's Limits table).
 *
 * Why these bound a room rather than a socket: a Durable Object is one thread, and what it spends
 * grows with what it sends. A broadcast costs its size times the recipients, a presence change
 * costs a frame to every socket, so per-socket limits alone still let a big room cost n² bytes.
 */
import type { TokenBucketOptions } from "./token-bucket.js"

/** Most open sockets per room; the next connect gets `503 room-full` before any upgrade. */
export const MAX_SOCKETS_PER_ROOM = 1000

/**
 * Room-wide broadcast budget in bytes sent (frame bytes × recipients), shared by all senders:
 * bursts of 8 MiB, 4 MiB/s sustained. A broadcast over it is dropped with an error frame
 * (`broadcast-budget-exceeded`) to its sender. One broadcast bigger than the burst is let through
 * when the bucket is full and leaves it in debt, so the sustained rate still holds.
 */
export const ROOM_BROADCAST_BUDGET: TokenBucketOptions = { capacity: 8 * 1024 * 1024, refillPerSecond: 4 * 1024 * 1024 }

/** After a quiet spell, the first presence change waits this long so a burst goes out as one frame. */
export const PRESENCE_COALESCE_MS = 5

/** At most one presence frame per socket per this many ms (each carries the latest state). */
export const PRESENCE_MIN_INTERVAL_MS = 100

/**
 * Presence bytes a room sends per second, all sockets together (a joiner's first snapshot
 * included). After a presence fan-out of `b` bytes, the next waits `b / budget` seconds (at least
 * {@link PRESENCE_MIN_INTERVAL_MS}), so a big busy room gets later updates, not n² bytes/s.
 */
export const PRESENCE_BYTES_PER_SECOND = 2 * 1024 * 1024

/**
 * Snapshots smaller than this are sent as they are, never as diffs: small rooms keep SPEC §11's
 * `{ type: "presence", entries }` frames, and a diff only pays once the room is big.
 */
export const PRESENCE_DIFF_MIN_BYTES = 4096

/**
 * Joiners' first snapshots are charged to the presence budget, but they may push the room's next
 * fan-out back by at most this much: steady join churn in a big room must not starve everyone
 * else's updates.
 */
export const PRESENCE_MAX_JOIN_DELAY_MS = 1000
