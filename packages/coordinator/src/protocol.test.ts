import { describe, expect, test } from "vitest"
import { MAX_MESSAGE_BYTES, parseClientMessage, serverMessageSchema } from "./protocol.js"

const codeOf = (frame: string | ArrayBuffer, max?: number) => {
  const result = parseClientMessage(frame, max)
  return result.ok ? "ok" : result.error.code
}

describe("parseClientMessage", () => {
  test("accepts presence and broadcast with any JSON payload", () => {
    expect(parseClientMessage('{"type":"presence","userInfo":{"name":"A"}}')).toEqual({ ok: true, message: { type: "presence", userInfo: { name: "A" } } })
    expect(parseClientMessage('{"type":"broadcast","data":[1,"two",null]}')).toEqual({ ok: true, message: { type: "broadcast", data: [1, "two", null] } })
    expect(codeOf('{"type":"presence","userInfo":null}')).toBe("ok")
  })

  test("measures size in UTF-8 bytes", () => {
    const frame = (payload: string) => JSON.stringify({ type: "broadcast", data: payload })
    const overhead = frame("").length
    expect(codeOf(frame("a".repeat(MAX_MESSAGE_BYTES - overhead)))).toBe("ok")
    expect(codeOf(frame("a".repeat(MAX_MESSAGE_BYTES - overhead + 1)))).toBe("message-too-large")
    // 3-byte characters: few UTF-16 units, too many bytes.
    expect(codeOf(frame("€".repeat(30)), 80)).toBe("message-too-large")
    expect(codeOf(new ArrayBuffer(MAX_MESSAGE_BYTES + 1))).toBe("message-too-large")
  })

  test("names what is wrong", () => {
    expect(codeOf("nope")).toBe("malformed-message")
    expect(codeOf("null")).toBe("malformed-message")
    expect(codeOf("[]")).toBe("malformed-message")
    expect(codeOf('{"type":1}')).toBe("malformed-message")
    expect(codeOf('{"type":"broadcast"}')).toBe("malformed-message")
    expect(codeOf(new ArrayBuffer(4))).toBe("malformed-message")
    expect(codeOf('{"type":"poke"}')).toBe("unknown-message-type")
    expect(codeOf(JSON.stringify({ type: "presence", userInfo: "x".repeat(1100) }))).toBe("user-info-too-large")
    const result = parseClientMessage('{"type":"broadcast"}')
    expect(result.ok ? "" : result.error.message).toMatch(/invalid broadcast message at data/)
  })
})

test("server messages validate the documented shapes only", () => {
  expect(serverMessageSchema.safeParse({ type: "poke" }).success).toBe(true)
  expect(serverMessageSchema.safeParse({ type: "presence", entries: [{ clientID: "a", userInfo: null }] }).success).toBe(true)
  expect(serverMessageSchema.safeParse({ type: "broadcast", from: "a", data: 1 }).success).toBe(true)
  expect(serverMessageSchema.safeParse({ type: "error", code: "rate-limited", message: "slow down" }).success).toBe(true)
  expect(serverMessageSchema.safeParse({ type: "error", code: "made-up", message: "" }).success).toBe(false)
  expect(serverMessageSchema.safeParse({ type: "presence", entries: [{ userInfo: null }] }).success).toBe(false)
})
