/**
 * Runs async tasks one at a time, in call order. The client runs every change to the optimistic
 * view through one queue (mutations, rebases, tab messages), so a rebase never builds its new
 * overlay while a mutation lands in the old one.
 */
export class SerialQueue {
  #tail: Promise<unknown> = Promise.resolve()

  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.#tail.then(task, task)
    this.#tail = result.catch(() => undefined)
    return result
  }
}
