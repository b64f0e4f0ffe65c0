import { describe, expect, it } from "vitest"
import { sha256Hex } from "../hash.js"
import { describeBlobStorageConformance } from "./blob-storage-conformance.js"
import { memoryStorage } from "./memory-storage.js"

describeBlobStorageConformance("memoryStorage", async () => {
  const storage = memoryStorage()
  return { storage, countObjects: async () => storage.hashes().length, dispose: () => {} }
})

describe("memoryStorage", () => {
  it("lists stored hashes sorted, and each call gets its own store", async () => {
    const a = memoryStorage()
    const hashes = await Promise.all(["x", "y", "z"].map((s) => sha256Hex(new TextEncoder().encode(s))))
    for (const hash of hashes) await a.put(hash, new Uint8Array(0), "text/plain")
    expect(a.hashes()).toEqual([...hashes].sort())
    expect(memoryStorage().hashes()).toEqual([])
  })
})
