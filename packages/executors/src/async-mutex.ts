/**
 * A FIFO async mutex with an allocation-free fast path: `acquire()` returns `undefined` when
 * the lock was free (the caller now holds it, no promise created) and a promise otherwise.
 * `release()` hands the lock straight to the next waiter, so a caller that arrives while
 * others wait can never jump the queue.
 */
export class AsyncMutex {
  #held = false
  readonly #waiters: (() => void)[] = []

  /** `true` while someone holds the lock. */
  get held(): boolean {
    return this.#held
  }

  /** Takes the lock: `undefined` when taken at once, else a promise that resolves once held. */
  acquire(): Promise<void> | undefined {
    if (!this.#held) {
      this.#held = true
      return undefined
    }
    return new Promise<void>((resolve) => {
      this.#waiters.push(resolve)
    })
  }

  /** Gives the lock to the next waiter, or frees it. Call exactly once per acquire. */
  release(): void {
    const next = this.#waiters.shift()
    if (next === undefined) this.#held = false
    else next()
  }
}
