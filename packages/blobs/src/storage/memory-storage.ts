/**
 * A `BlobStorage` held in a `Map`, for tests and local prototypes. Bytes are copied on `put` and
 * on every `get`, so neither the caller's input array nor a returned chunk can alter what is
 * stored: the same isolation a real backend gives. A blob is kept as the list of chunks it
 * arrived in, so a staged upload is copied once, chunk by chunk, and never concatenated (which
 * would hold it twice).
 */
import { assertBlobHash } from "../hash.js"
import type { BlobMetadata, BlobObject, BlobStorage, StagedBlob } from "./blob-storage.js"
import { toStorageFailed } from "./blob-storage-error.js"
import { readChunks } from "./read-chunks.js"

/** A {@link BlobStorage} in memory that can also list what it holds (handy in tests). */
export interface MemoryBlobStorage extends BlobStorage {
  /** The hashes currently stored, sorted. */
  hashes(): readonly string[]
}

interface StoredBlob {
  readonly chunks: readonly Uint8Array[]
  readonly size: number
  readonly mime: string
}

/**
 * Creates an empty in-memory blob storage. Nothing is persisted; each call gets its own store.
 *
 * @example
 * const storage = memoryStorage()
 * const bytes = new TextEncoder().encode("hello")
 * const hash = await sha256Hex(bytes)
 * await storage.put(hash, bytes, "text/plain")
 * const blob = await storage.get(hash) // { size: 5, mime: "text/plain", body }
 */
export function memoryStorage(): MemoryBlobStorage {
  const blobs = new Map<string, StoredBlob>()
  return {
    async put(hash, bytes, mime) {
      assertBlobHash(hash)
      if (blobs.has(hash)) return
      blobs.set(hash, { chunks: bytes.byteLength === 0 ? [] : [bytes.slice()], size: bytes.byteLength, mime })
    },
    async stage(hash, body, mime): Promise<StagedBlob> {
      assertBlobHash(hash)
      let chunks: Uint8Array[] | null = []
      let size: number
      try {
        size = await readChunks(body, (chunk) => void (chunk.byteLength > 0 && chunks?.push(chunk.slice())))
      } catch (error) {
        throw toStorageFailed("stage", hash, error)
      }
      return {
        size,
        async commit() {
          if (chunks === null) throw new Error(`memoryStorage: blob ${hash} was already committed or discarded`)
          if (!blobs.has(hash)) blobs.set(hash, { chunks, size, mime })
          chunks = null
        },
        async discard() {
          chunks = null
        },
      }
    },
    async get(hash): Promise<BlobObject | null> {
      assertBlobHash(hash)
      const blob = blobs.get(hash)
      if (blob === undefined) return null
      return { size: blob.size, mime: blob.mime, body: streamOf(blob.chunks) }
    },
    async head(hash): Promise<BlobMetadata | null> {
      assertBlobHash(hash)
      const blob = blobs.get(hash)
      return blob === undefined ? null : { size: blob.size, mime: blob.mime }
    },
    async delete(hash) {
      assertBlobHash(hash)
      blobs.delete(hash)
    },
    hashes() {
      return [...blobs.keys()].sort()
    },
  }
}

/** Streams copies of the stored chunks, one per pull (an empty blob is a closed stream). */
function streamOf(chunks: readonly Uint8Array[]): ReadableStream<Uint8Array> {
  let next = 0
  return new ReadableStream<Uint8Array>({
    pull(controller) {
      const chunk = chunks[next++]
      if (chunk === undefined) controller.close()
      else controller.enqueue(chunk.slice())
    },
  })
}
