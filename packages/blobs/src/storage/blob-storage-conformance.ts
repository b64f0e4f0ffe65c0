/**
 * The one behaviour suite every `BlobStorage` adapter runs (memory, filesystem, R2 in workerd).
 * An adapter's test file calls `describeBlobStorageConformance` with a factory; adapter-specific
 * details (key layout, files on disk) are tested beside the adapter.
 *
 * The fixture is created once per adapter (starting workerd per test would dominate the run),
 * so every test writes content of its own: a per-test salt makes each hash unique, and checks
 * that "nothing was stored" compare the backend's object count before and after.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { sha256Hex } from "../hash.js"
import type { BlobStorage } from "./blob-storage.js"
import { BlobStorageError } from "./blob-storage-error.js"

/** What a conformance factory returns. */
export interface BlobStorageFixture {
  readonly storage: BlobStorage
  /**
   * How many objects the backend holds, counted by the backend itself (a folder walk, an R2
   * listing), never through `storage`, so a write under a malformed key would be seen.
   */
  countObjects(): Promise<number>
  dispose(): Promise<void> | void
}

const VALID_HASH = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"

/** Malformed hashes every operation must refuse before touching the backend. */
const INVALID_HASHES: readonly (readonly [label: string, hash: string])[] = [
  ["uppercase", VALID_HASH.toUpperCase()],
  ["63 characters", VALID_HASH.slice(0, 63)],
  ["65 characters", `${VALID_HASH}0`],
  ["a path traversal", "../../etc/passwd"],
  ["a 64-character path traversal", `../${VALID_HASH.slice(3)}`],
  ["empty", ""],
  ["a slash", `ab/${VALID_HASH.slice(3)}`],
  ["a non-hex letter", `g${VALID_HASH.slice(1)}`],
  ["a trailing newline", `${VALID_HASH}\n`],
  ["a sha256: prefix", `sha256:${VALID_HASH}`],
]

/**
 * Asserts equal bytes. `toEqual` on a 1 MiB array walks it element by element through the
 * deep-equality machinery (seconds per call); this reports the first differing index instead.
 */
function expectSameBytes(actual: Uint8Array | undefined, expected: Uint8Array): void {
  expect(actual?.byteLength).toBe(expected.byteLength)
  let firstDifference = -1
  for (let i = 0; i < expected.byteLength; i++) {
    if (actual?.[i] !== expected[i]) {
      firstDifference = i
      break
    }
  }
  expect(firstDifference, "index of the first differing byte").toBe(-1)
}

/** Registers the shared `BlobStorage` behaviour tests under `describe(name)`. */
export function describeBlobStorageConformance(name: string, factory: () => Promise<BlobStorageFixture>): void {
  describe(`${name} (BlobStorage conformance)`, () => {
    let fixture: BlobStorageFixture
    let storage: BlobStorage
    let salt = 0

    beforeAll(async () => {
      fixture = await factory()
      storage = fixture.storage
    })
    afterAll(async () => {
      await fixture?.dispose()
    })

    /** Bytes unique to this call: `payload` followed by an 8-byte salt. */
    function unique(payload: Uint8Array): Uint8Array {
      const salted = new Uint8Array(payload.byteLength + 8)
      salted.set(payload)
      new DataView(salted.buffer).setFloat64(payload.byteLength, ++salt + Math.random())
      return salted
    }

    async function stored(bytes: Uint8Array, mime = "application/x-test"): Promise<string> {
      const hash = await sha256Hex(bytes)
      await storage.put(hash, bytes, mime)
      return hash
    }

    async function readAll(hash: string): Promise<{ size: number; mime: string; bytes: Uint8Array } | null> {
      const blob = await storage.get(hash)
      if (blob === null) return null
      return { size: blob.size, mime: blob.mime, bytes: new Uint8Array(await new Response(blob.body).arrayBuffer()) }
    }

    const allByteValues = Uint8Array.from({ length: 256 }, (_, i) => i)
    const oneMebibyte = Uint8Array.from({ length: 1024 * 1024 + 3 }, (_, i) => (i * 31 + (i >> 8)) & 0xff)
    const roundTrips: readonly (readonly [label: string, bytes: () => Uint8Array, mime: string])[] = [
      // Salting would change the size, so these two use fixed bytes (each test deletes its blob).
      ["empty bytes", () => new Uint8Array(0), "text/plain"],
      ["1 byte", () => Uint8Array.of(7), "application/octet-stream"],
      ["all 256 byte values", () => unique(allByteValues), "application/x-bytes"],
      ["~1 MiB", () => unique(oneMebibyte), "image/png"],
    ]

    describe("put then get round-trips", () => {
      it.each(roundTrips)("%s with size and mime", async (_label, makeBytes, mime) => {
        const bytes = makeBytes()
        const expected = bytes.slice()
        const hash = await stored(bytes, mime)
        const blob = await readAll(hash)
        expect(blob).not.toBeNull()
        expect(blob?.size).toBe(expected.byteLength)
        expect(blob?.mime).toBe(mime)
        expectSameBytes(blob?.bytes, expected)
        await storage.delete(hash)
      })
    })

    it("keeps blobs that differ in one byte apart", async () => {
      const a = Uint8Array.of(1)
      const b = Uint8Array.of(2)
      const hashA = await stored(a, "text/a")
      const hashB = await stored(b, "text/b")
      expect((await readAll(hashA))?.bytes).toEqual(a)
      expect((await readAll(hashB))?.bytes).toEqual(b)
      expect((await storage.head(hashB))?.mime).toBe("text/b")
      await storage.delete(hashA)
      await storage.delete(hashB)
    })

    it("head returns size and mime only", async () => {
      const bytes = unique(new TextEncoder().encode("head me"))
      const hash = await stored(bytes, "text/markdown")
      expect(await storage.head(hash)).toEqual({ size: bytes.byteLength, mime: "text/markdown" })
    })

    it("get reports the size before the body is read", async () => {
      const bytes = unique(oneMebibyte.subarray(0, 100_000))
      const hash = await stored(bytes)
      const blob = await storage.get(hash)
      expect(blob?.size).toBe(bytes.byteLength)
      await blob?.body.cancel()
    })

    it("body yields Uint8Array chunks that add up to the bytes", async () => {
      const bytes = unique(oneMebibyte)
      const hash = await stored(bytes)
      const blob = await storage.get(hash)
      if (blob === null) throw new Error("expected a blob")
      const reader = blob.body.getReader()
      const chunks: Uint8Array[] = []
      for (;;) {
        const { done, value } = await reader.read()
        if (done) break
        expect(value).toBeInstanceOf(Uint8Array)
        chunks.push(value)
      }
      expect(chunks.length).toBeGreaterThan(0)
      const received = new Uint8Array(chunks.reduce((total, chunk) => total + chunk.byteLength, 0))
      let offset = 0
      for (const chunk of chunks) {
        received.set(chunk, offset)
        offset += chunk.byteLength
      }
      expectSameBytes(received, bytes)
    })

    it("get and head of an unknown hash return null", async () => {
      const hash = await sha256Hex(unique(new Uint8Array(0)))
      expect(await storage.get(hash)).toBeNull()
      expect(await storage.head(hash)).toBeNull()
    })

    it("delete removes the blob", async () => {
      const hash = await stored(unique(Uint8Array.of(1, 2, 3)))
      const before = await fixture.countObjects()
      await storage.delete(hash)
      expect(await storage.get(hash)).toBeNull()
      expect(await storage.head(hash)).toBeNull()
      expect(await fixture.countObjects()).toBeLessThan(before)
    })

    it("delete leaves other blobs alone", async () => {
      const keep = unique(Uint8Array.of(4))
      const keepHash = await stored(keep, "text/keep")
      const dropHash = await stored(unique(Uint8Array.of(5)))
      await storage.delete(dropHash)
      expect(await readAll(keepHash)).toEqual({ size: keep.byteLength, mime: "text/keep", bytes: keep })
    })

    it("delete of an unknown hash succeeds", async () => {
      const hash = await sha256Hex(unique(new Uint8Array(0)))
      await expect(storage.delete(hash)).resolves.toBeUndefined()
      await expect(storage.delete(hash)).resolves.toBeUndefined()
    })

    it("a blob can be stored again after it was deleted", async () => {
      const bytes = unique(Uint8Array.of(9, 9))
      const hash = await stored(bytes, "text/first")
      await storage.delete(hash)
      await storage.put(hash, bytes, "text/second")
      expect(await readAll(hash)).toEqual({ size: bytes.byteLength, mime: "text/second", bytes })
    })

    it("put of a stored hash is a no-op success that keeps the first mime", async () => {
      const bytes = unique(new TextEncoder().encode("twice"))
      const hash = await stored(bytes, "text/plain")
      const count = await fixture.countObjects()
      await expect(storage.put(hash, bytes, "application/json")).resolves.toBeUndefined()
      expect(await fixture.countObjects()).toBe(count)
      expect(await readAll(hash)).toEqual({ size: bytes.byteLength, mime: "text/plain", bytes })
    })

    it("mutating the input array after put does not change the stored bytes", async () => {
      const bytes = unique(Uint8Array.of(10, 20, 30))
      const expected = bytes.slice()
      const hash = await stored(bytes)
      bytes.fill(0)
      expect((await readAll(hash))?.bytes).toEqual(expected)
    })

    it("mutating bytes read from get does not change the stored bytes", async () => {
      const bytes = unique(Uint8Array.of(40, 50, 60))
      const hash = await stored(bytes)
      const first = await readAll(hash)
      first?.bytes.fill(0)
      const blob = await storage.get(hash)
      if (blob === null) throw new Error("expected a blob")
      const reader = blob.body.getReader()
      const chunk = await reader.read()
      chunk.value?.fill(0)
      await reader.cancel()
      expect((await readAll(hash))?.bytes).toEqual(bytes)
    })

    describe("stage streams a body that only commit publishes", () => {
      /** A stream of `bytes` in `chunkSize` pieces, produced on demand. */
      function streamOf(bytes: Uint8Array, chunkSize = 65_536): ReadableStream<Uint8Array> {
        let at = 0
        return new ReadableStream<Uint8Array>({
          pull(controller) {
            if (at >= bytes.byteLength) return controller.close()
            controller.enqueue(bytes.slice(at, at + chunkSize))
            at += chunkSize
          },
        })
      }

      it("stage then commit stores the bytes; before commit nothing is visible", async () => {
        const bytes = unique(oneMebibyte)
        const hash = await sha256Hex(bytes)
        const before = await fixture.countObjects()
        const staged = await storage.stage(hash, streamOf(bytes, 4_099), "image/png")
        expect(staged.size).toBe(bytes.byteLength)
        expect(await storage.head(hash)).toBeNull()
        expect(await storage.get(hash)).toBeNull()
        await staged.commit()
        const blob = await readAll(hash)
        expect(blob?.size).toBe(bytes.byteLength)
        expect(blob?.mime).toBe("image/png")
        expectSameBytes(blob?.bytes, bytes)
        expect(await fixture.countObjects()).toBe(before + 1)
      })

      it("a body larger than an R2 part (11 MiB) round-trips", async () => {
        const bytes = unique(Uint8Array.from({ length: 11 * 1024 * 1024 }, (_, i) => (i * 17 + (i >> 12)) & 0xff))
        const hash = await sha256Hex(bytes)
        const staged = await storage.stage(hash, streamOf(bytes), "application/x-big")
        await staged.commit()
        const blob = await readAll(hash)
        expect(blob?.size).toBe(bytes.byteLength)
        expectSameBytes(blob?.bytes, bytes)
        await storage.delete(hash)
      })

      it("an empty body stages and commits an empty blob", async () => {
        const hash = await sha256Hex(new Uint8Array(0))
        await storage.delete(hash)
        const staged = await storage.stage(hash, streamOf(new Uint8Array(0)), "text/plain")
        expect(staged.size).toBe(0)
        await staged.commit()
        expect(await storage.head(hash)).toEqual({ size: 0, mime: "text/plain" })
        await storage.delete(hash)
      })

      it("discard leaves nothing anywhere", async () => {
        const bytes = unique(oneMebibyte)
        const hash = await sha256Hex(bytes)
        const before = await fixture.countObjects()
        const staged = await storage.stage(hash, streamOf(bytes), "text/plain")
        await staged.discard()
        await staged.discard()
        expect(await storage.head(hash)).toBeNull()
        expect(await fixture.countObjects()).toBe(before)
      })

      it("a body that fails midway rejects and leaves nothing anywhere", async () => {
        const hash = await sha256Hex(unique(Uint8Array.of(1)))
        const before = await fixture.countObjects()
        let sent = 0
        const failing = new ReadableStream<Uint8Array>({
          pull(controller) {
            if (sent++ === 3) return controller.error(new Error("client went away"))
            controller.enqueue(new Uint8Array(100_000).fill(sent))
          },
        })
        await expect(storage.stage(hash, failing, "text/plain")).rejects.toBeDefined()
        expect(await storage.head(hash)).toBeNull()
        expect(await fixture.countObjects()).toBe(before)
      })

      it("committing a hash stored meanwhile keeps the stored blob and its first mime", async () => {
        const bytes = unique(new TextEncoder().encode("raced"))
        const hash = await sha256Hex(bytes)
        const before = await fixture.countObjects()
        const staged = await storage.stage(hash, streamOf(bytes), "text/second")
        await storage.put(hash, bytes, "text/first")
        await staged.commit()
        expect(await readAll(hash)).toEqual({ size: bytes.byteLength, mime: "text/first", bytes })
        expect(await fixture.countObjects()).toBe(before + 1)
      })
    })

    describe("rejects malformed hashes with invalid-hash and touches nothing", () => {
      it.each(INVALID_HASHES)("%s", async (_label, hash) => {
        const bytes = unique(Uint8Array.of(0xbb))
        const before = await fixture.countObjects()
        const calls: readonly (readonly [string, () => Promise<unknown>])[] = [
          ["put", () => storage.put(hash, bytes, "text/plain")],
          ["get", () => storage.get(hash)],
          ["head", () => storage.head(hash)],
          ["delete", () => storage.delete(hash)],
          ["stage", () => storage.stage(hash, new Response(bytes).body as ReadableStream<Uint8Array>, "text/plain")],
        ]
        for (const [operation, call] of calls) {
          const error = await call().then(
            () => new Error(`${operation} accepted ${JSON.stringify(hash)}`),
            (thrown: unknown) => thrown,
          )
          expect(error, operation).toBeInstanceOf(BlobStorageError)
          expect((error as BlobStorageError).code, operation).toBe("invalid-hash")
          expect((error as BlobStorageError).httpStatus, operation).toBe(400)
          // The message names the offending value (all of these are short enough to quote whole).
          expect((error as BlobStorageError).message, operation).toContain(JSON.stringify(hash))
        }
        expect(await fixture.countObjects()).toBe(before)
      })
    })
  })
}
