import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { isPlasmaError } from "../errors/plasma-error.js"
import { decodeCookie, decodePullCookie, encodeCookie } from "./cookie.js"

function decodeError(text: string): unknown {
  try {
    decodeCookie(text)
  } catch (error) {
    return error
  }
  return undefined
}

describe("pull cookie", () => {
  it("has the SPEC format", () => {
    expect(encodeCookie(12345)).toBe("c1:" + btoa('{"0":"12345"}'))
    expect(decodeCookie("c1:" + btoa('{"0":"7"}'))).toBe(7)
  })

  it("marks reset-walk cookies with a resetting field, and round-trips both kinds", () => {
    expect(encodeCookie(9, { resetting: true })).toBe("c1:" + btoa('{"0":"9","resetting":true}'))
    expect(decodePullCookie(encodeCookie(9))).toEqual({ version: 9, resetting: false })
    fc.assert(
      fc.property(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), fc.boolean(), (version, resetting) => {
        expect(decodePullCookie(encodeCookie(version, { resetting }))).toEqual({ version, resetting })
        expect(decodeCookie(encodeCookie(version, { resetting }))).toBe(version)
      }),
      { numRuns: 1000 },
    )
  })

  it("round-trips every safe integer ≥ 0", () => {
    fc.assert(
      fc.property(fc.oneof(fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }), fc.constantFrom(0, 1, Number.MAX_SAFE_INTEGER)), (version) => {
        expect(decodeCookie(encodeCookie(version))).toBe(version)
      }),
      { numRuns: 2000 },
    )
  })

  it("never throws anything but an invalid-request PlasmaError on arbitrary strings", () => {
    const candidates = fc.oneof(
      fc.string(),
      fc.string({ unit: "binary" }),
      fc.string().map((s) => "c1:" + s),
      fc.base64String().map((s) => "c1:" + s),
      fc.json().map((j) => "c1:" + btoa(unescape(encodeURIComponent(j)))),
      fc.dictionary(fc.string(), fc.oneof(fc.string(), fc.integer(), fc.double())).map((o) => "c1:" + btoa(unescape(encodeURIComponent(JSON.stringify(o))))),
      fc.string({ unit: fc.constantFrom("0", "1", "9", "-", ".", "e", " ") }).map((v) => "c1:" + btoa(JSON.stringify({ "0": v }))),
      fc.record({ v: fc.nat(), flag: fc.oneof(fc.boolean(), fc.constant("true"), fc.constant(1), fc.constant(null)) }).map(({ v, flag }) => "c1:" + btoa(JSON.stringify({ "0": String(v), resetting: flag }))),
    )
    fc.assert(
      fc.property(candidates, (text) => {
        let version: number | undefined
        try {
          version = decodeCookie(text)
        } catch (error) {
          expect(isPlasmaError(error, "invalid-request")).toBe(true)
          expect((error as Error).message).toBe("malformed cookie")
          return
        }
        // Whatever decodes is exactly what encode produces for that version.
        expect([encodeCookie(version), encodeCookie(version, { resetting: true })]).toContain(text)
      }),
      { numRuns: 5000 },
    )
  })

  it.each([
    ["empty", ""],
    ["no prefix", btoa('{"0":"1"}')],
    ["wrong prefix", "c2:" + btoa('{"0":"1"}')],
    ["bad base64", "c1:!!!!"],
    ["unpadded base64", "c1:" + btoa('{"0":"12"}').replace(/=+$/, "")],
    ["not JSON", "c1:" + btoa("hello")],
    ["JSON array", "c1:" + btoa('["1"]')],
    ["extra key", "c1:" + btoa('{"0":"1","1":"2"}')],
    ["number not string", "c1:" + btoa('{"0":1}')],
    ["negative", "c1:" + btoa('{"0":"-1"}')],
    ["fraction", "c1:" + btoa('{"0":"1.5"}')],
    ["leading zero", "c1:" + btoa('{"0":"01"}')],
    ["exponent", "c1:" + btoa('{"0":"1e3"}')],
    ["unsafe", "c1:" + btoa(`{"0":"${2 ** 53}"}`)],
    ["whitespace", "c1:" + btoa('{ "0": "1" }')],
    ["resetting false", "c1:" + btoa('{"0":"1","resetting":false}')],
    ["resetting as text", "c1:" + btoa('{"0":"1","resetting":"true"}')],
    ["resetting first", "c1:" + btoa('{"resetting":true,"0":"1"}')],
    ["another extra key", "c1:" + btoa('{"0":"1","reset":true}')],
    ["three keys", "c1:" + btoa('{"0":"1","resetting":true,"x":1}')],
  ])("refuses %s", (_label, text) => {
    const error = decodeError(text)
    expect(isPlasmaError(error, "invalid-request")).toBe(true)
  })

  it("refuses to encode what it could not decode", () => {
    for (const bad of [-1, 1.5, Number.NaN, 2 ** 53]) expect(() => encodeCookie(bad)).toThrow()
  })
})
