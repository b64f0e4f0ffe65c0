/** Wraps a real storage so that its `delete` throws on chosen calls (the rest pass through). */
import { BlobStorageError } from "../storage/blob-storage-error.js"
import type { BlobStorage } from "../storage/blob-storage.js"

export interface FailingStorage extends BlobStorage {
  /** `delete` calls made so far. */
  readonly deleteCalls: number
  /** Makes the `n`th delete from now on (1-based) throw; `null` stops failing. */
  failDeleteAt(n: number | null): void
}

export function failingDeletes(inner: BlobStorage): FailingStorage {
  let calls = 0
  let failAt: number | null = null
  return {
    put: (hash, bytes, mime) => inner.put(hash, bytes, mime),
    stage: (hash, body, mime) => inner.stage(hash, body, mime),
    get: (hash) => inner.get(hash),
    head: (hash) => inner.head(hash),
    async delete(hash) {
      calls++
      if (failAt !== null && calls >= failAt) throw new BlobStorageError("storage-failed", `Blob storage delete failed for ${hash}: injected failure`)
      await inner.delete(hash)
    },
    get deleteCalls() {
      return calls
    },
    failDeleteAt(n) {
      failAt = n === null ? null : calls + n
    },
  }
}
