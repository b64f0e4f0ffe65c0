import { createHash } from "node:crypto"
import fc from "fast-check"
import { describe, expect, test } from "vitest"
import { CoordinatorError } from "./coordinator-error.js"
import { ROOM_PATTERN } from "./protocol.js"
import { HASHED_ROOM_PREFIX, MAX_ROOM_BYTES, toRoomName, toRoomObjectName } from "./room-object-name.js"

describe("toRoomName", () => {
  test("defaults to global and accepts any well-formed name up to 512 UTF-8 bytes", () => {
    expect(toRoomName(undefined)).toBe("global")
    expect(toRoomName(null)).toBe("global")
    expect(toRoomName("group-a b/ü")).toBe("group-a b/ü")
    expect(toRoomName("x".repeat(MAX_ROOM_BYTES))).toHaveLength(MAX_ROOM_BYTES)
  })

  test("refuses empty, over-long and malformed names with invalid-request", () => {
    for (const bad of ["", "x".repeat(MAX_ROOM_BYTES + 1), "é".repeat(MAX_ROOM_BYTES / 2 + 1), "a\uD800b", "\uDC00"]) {
      const error = (() => {
        try {
          toRoomName(bad)
        } catch (e) {
          return e
        }
        return undefined
      })()
      expect(error).toBeInstanceOf(CoordinatorError)
      expect(error).toMatchObject({ code: "invalid-request", status: 400, message: expect.stringMatching(/^invalid room/) })
    }
    expect(toRoomName("😀")).toBe("😀") // a surrogate pair is fine
  })
})

describe("toRoomObjectName", () => {
  test("pattern names are their own object name; others are sha256: + hex of their UTF-8 bytes", async () => {
    expect(await toRoomObjectName(undefined)).toBe("global")
    expect(await toRoomObjectName("Org_1.team:a-b")).toBe("Org_1.team:a-b")
    expect(await toRoomObjectName("x".repeat(64))).toBe("x".repeat(64))
    const room = `group-${"g".repeat(70)}`
    expect(await toRoomObjectName(room)).toBe(HASHED_ROOM_PREFIX + createHash("sha256").update(room, "utf8").digest("hex"))
    // The documented vector, so a copy of this function elsewhere can be checked against it.
    expect(await toRoomObjectName("group-a b")).toBe("sha256:95993326634c0c406cdd985b307f052cffb0deaa685f4263dbdd9c1956c53bc8")
  })

  test("property: valid names map to distinct names that are pattern names or 71-character hashes", async () => {
    await fc.assert(
      fc.asyncProperty(fc.string({ minLength: 1, maxLength: 100, unit: "grapheme" }), fc.string({ minLength: 1, maxLength: 100, unit: "grapheme" }), async (a, b) => {
        const [na, nb] = [await toRoomObjectName(a), await toRoomObjectName(b)]
        expect(ROOM_PATTERN.test(na) || /^sha256:[0-9a-f]{64}$/.test(na)).toBe(true)
        expect(na === nb).toBe(a === b)
        // A hashed name is never a pattern name, so a hash can never collide with a plain room.
        if (na.startsWith(HASHED_ROOM_PREFIX) && !ROOM_PATTERN.test(a)) expect(ROOM_PATTERN.test(na)).toBe(false)
      }),
      { numRuns: 300 },
    )
  })
})
