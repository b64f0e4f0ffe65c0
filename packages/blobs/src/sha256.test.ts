import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { sha256Hex } from "./hash.js"
import { createSha256 } from "./sha256.js"

function hashInPieces(bytes: Uint8Array, cuts: readonly number[]): string {
  const sha = createSha256()
  let at = 0
  for (const cut of [...cuts].sort((a, b) => a - b)) {
    sha.update(bytes.subarray(at, Math.max(at, cut)))
    at = Math.max(at, cut)
  }
  sha.update(bytes.subarray(at))
  expect(sha.length).toBe(bytes.byteLength)
  return sha.digestHex()
}

describe("createSha256", () => {
  it("equals WebCrypto's SHA-256 for any bytes split at any points", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 700 }).chain((bytes) => fc.tuple(fc.constant(bytes), fc.array(fc.integer({ min: 0, max: bytes.byteLength }), { maxLength: 6 }))),
        async ([bytes, cuts]) => {
          expect(hashInPieces(bytes, cuts)).toBe(await sha256Hex(bytes))
        },
      ),
      { numRuns: 300 },
    )
  })

  it("handles the padding edges (55, 56, 63, 64, 65 bytes) and the FIPS examples", async () => {
    for (const n of [0, 1, 55, 56, 57, 63, 64, 65, 119, 120, 128]) {
      const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 7) & 0xff)
      expect(hashInPieces(bytes, []), `${n} bytes`).toBe(await sha256Hex(bytes))
    }
    const abc = createSha256()
    abc.update(new TextEncoder().encode("abc"))
    expect(abc.digestHex()).toBe("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
  })

  it("agrees with WebCrypto on 3 MiB fed in odd-sized chunks", async () => {
    const bytes = Uint8Array.from({ length: 3 * 1024 * 1024 + 5 }, (_, i) => (i * 131 + (i >> 9)) & 0xff)
    const sha = createSha256()
    for (let at = 0; at < bytes.byteLength; at += 65_537) sha.update(bytes.subarray(at, at + 65_537))
    expect(sha.digestHex()).toBe(await sha256Hex(bytes))
  })

  it("refuses to be used after its digest", () => {
    const sha = createSha256()
    sha.digestHex()
    expect(() => sha.update(Uint8Array.of(1))).toThrow(/after digestHex/)
    expect(() => sha.digestHex()).toThrow(/twice/)
  })
})
