import { describe, expect, it } from "vitest"
import fc from "fast-check"
import { assertBlobHash, isBlobHash, sha256Hex } from "./hash.js"
import { BlobStorageError } from "./storage/blob-storage-error.js"

const encode = (text: string) => new TextEncoder().encode(text)

describe("sha256Hex", () => {
  it.each([
    ["", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"],
    ["abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"],
    [
      "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
      "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
    ],
  ])("hashes %j to the FIPS 180-2 vector", async (input, expected) => {
    expect(await sha256Hex(encode(input))).toBe(expected)
  })

  it("hashes only the view, not the whole underlying buffer", async () => {
    const buffer = encode("xxabcxx")
    expect(await sha256Hex(buffer.subarray(2, 5))).toBe(await sha256Hex(encode("abc")))
  })

  it("always returns a valid blob hash", async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 64 }), async (bytes) => {
        expect(isBlobHash(await sha256Hex(bytes))).toBe(true)
      }),
      { numRuns: 50 },
    )
  })
})

describe("isBlobHash", () => {
  const valid = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"

  it("accepts 64 lowercase hex characters", () => {
    expect(isBlobHash(valid)).toBe(true)
    expect(isBlobHash("0".repeat(64))).toBe(true)
  })

  it.each([
    ["uppercase", valid.toUpperCase()],
    ["63 characters", valid.slice(1)],
    ["65 characters", `${valid}a`],
    ["traversal", "../../etc/passwd"],
    ["empty", ""],
    ["slash", `${valid.slice(0, 63)}/`],
    ["trailing newline", `${valid}\n`],
    ["leading space", ` ${valid.slice(1)}`],
  ])("rejects %s", (_label, value) => {
    expect(isBlobHash(value)).toBe(false)
  })

  it("rejects non-strings", () => {
    for (const value of [undefined, null, 42, ["a"], { toString: () => valid }]) expect(isBlobHash(value)).toBe(false)
  })

  it("accepts exactly the strings of 64 characters from 0-9a-f", () => {
    fc.assert(
      fc.property(fc.string({ minLength: 60, maxLength: 68 }), (value) => {
        expect(isBlobHash(value)).toBe(value.length === 64 && [...value].every((c) => "0123456789abcdef".includes(c)))
      }),
    )
  })
})

describe("assertBlobHash", () => {
  it("returns for a valid hash", () => {
    expect(() => assertBlobHash("a".repeat(64))).not.toThrow()
  })

  it("throws invalid-hash naming the value", () => {
    const error = (() => {
      try {
        assertBlobHash("../../etc/passwd")
      } catch (thrown) {
        return thrown
      }
      return undefined
    })()
    expect(error).toBeInstanceOf(BlobStorageError)
    expect((error as BlobStorageError).code).toBe("invalid-hash")
    expect((error as BlobStorageError).httpStatus).toBe(400)
    expect((error as BlobStorageError).message).toContain('"../../etc/passwd"')
    expect((error as BlobStorageError).message).toContain("64 lowercase hex")
  })

  it("truncates a long value and escapes control characters", () => {
    const long = `${"z".repeat(1000)}`
    expect(() => assertBlobHash(long)).toThrow(`"${"z".repeat(80)}…"`)
    expect(() => assertBlobHash(long)).not.toThrow("z".repeat(81))
    expect(() => assertBlobHash("a\nb")).toThrow('"a\\nb"')
  })

  it("names the type of a non-string", () => {
    expect(() => assertBlobHash(42)).toThrow("(number)")
    expect(() => assertBlobHash(null)).toThrow("(null)")
  })
})
