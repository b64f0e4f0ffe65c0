/**
 * One leader per client group, through the Web Locks API: every client asks for the same
 * exclusive lock and holds it for its life; the lock manager grants it to one client at a time,
 * and hands it to the next waiting client when the holder closes (or its tab dies). Only the
 * leader pulls, pushes and writes the shared base, so the shared store has one writer.
 */
import type { LockManagerLike } from "../plasma-client.js"

export interface Leadership {
  /** Gives the lock up (close). Idempotent. */
  release(): void
}

/** Calls `onLeader` once this client holds the lock `name`. */
export function electLeader(locks: LockManagerLike, name: string, onLeader: () => void): Leadership {
  const abort = new AbortController()
  let release: () => void = () => {}
  const held = new Promise<void>((resolve) => {
    release = resolve
  })
  locks
    .request(name, { signal: abort.signal }, async () => {
      onLeader()
      await held
    })
    .catch(() => {
      // Aborted while waiting (this client closed first): nothing to do.
    })
  return {
    release() {
      abort.abort()
      release()
    },
  }
}

/** The browser's lock manager, when there is one. */
export function defaultLocks(): LockManagerLike | null {
  const nav = (globalThis as { navigator?: { locks?: LockManagerLike } }).navigator
  return nav?.locks ?? null
}
