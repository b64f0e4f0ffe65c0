import { describe, expect, test } from "vitest"
import { constantTimeEqual } from "./constant-time-equal.js"

describe("constantTimeEqual", () => {
  test("is true only for identical strings", () => {
    expect(constantTimeEqual("secret-token", "secret-token")).toBe(true)
    expect(constantTimeEqual("", "")).toBe(true)
    expect(constantTimeEqual("secret-token", "secret-tokeN")).toBe(false)
    expect(constantTimeEqual("secret-token", "Secret-token")).toBe(false)
  })

  test("a prefix, a longer string or an empty string never matches", () => {
    expect(constantTimeEqual("secret", "secret-token")).toBe(false)
    expect(constantTimeEqual("secret-token", "secret")).toBe(false)
    expect(constantTimeEqual("", "x")).toBe(false)
    // Same bytes, then NULs: a compare that padded the shorter side with zeros would say true.
    expect(constantTimeEqual("abc", "abc\u0000")).toBe(false)
  })

  test("compares UTF-8 bytes, not UTF-16 units", () => {
    expect(constantTimeEqual("päss🔑", "päss🔑")).toBe(true)
    expect(constantTimeEqual("päss🔑", "päss🔒")).toBe(false)
    // "é" precomposed vs. e + combining accent: equal on screen, different bytes.
    expect(constantTimeEqual("\u00e9", "e\u0301")).toBe(false)
  })
})
