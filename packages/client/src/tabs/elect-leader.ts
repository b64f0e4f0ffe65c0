/**
 * One leader per client group, through the Web Locks API: every client asks for the same
 * exclusive lock and holds it for its life; the lock manager grants it to one client at a time,
 * and hands it to the next waiting client when the holder closes (or its tab dies). Only the
 * leader pulls, pushes and writes the shared base, so the shared store has one writer.
 *
 * The first ask is `ifAvailable`, so a client knows at once whether it leads (a lone tab's first
 * `pullOnce()` is not a silent no-op); a client that did not get it then waits in line.
 */
import type { LockManagerLike } from "../plasma-client.js"

export interface Leadership {
  /** Whether this client got the lock at once. */
  readonly leading: boolean
  /** Gives the lock up, or stops waiting for it (close). Idempotent. */
  release(): void
}

/** Asks for the lock `name`; `onLeader` runs when this client holds it (at once, or later). */
export async function electLeader(locks: LockManagerLike, name: string, onLeader: () => void): Promise<Leadership> {
  const abort = new AbortController()
  let release: () => void = () => {}
  const held = new Promise<void>((resolve) => {
    release = resolve
  })
  const hold = async (): Promise<void> => {
    onLeader()
    await held
  }
  const leading = await new Promise<boolean>((decided) => {
    locks
      .request(name, { ifAvailable: true }, async (lock) => {
        decided(lock !== null)
        if (lock !== null) await hold()
      })
      .catch(() => decided(false))
  })
  if (!leading) {
    locks.request(name, { signal: abort.signal }, hold).catch(() => {
      // Aborted while waiting (this client closed first): nothing to do.
    })
  }
  return {
    leading,
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
