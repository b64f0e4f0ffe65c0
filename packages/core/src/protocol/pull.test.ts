import { describe, expect, it } from "vitest"
import { isPlasmaError } from "../errors/plasma-error.js"
import { encodeCookie } from "./cookie.js"
import { parsePullRequest } from "./pull.js"

const base = "protocolVersion=1&schemaVersion=v1&clientGroupID=g&clientID=c"
const parse = (query: string) => parsePullRequest(new URLSearchParams(query), 10_000)
function codeOf(query: string): string | undefined {
  try {
    parse(query)
  } catch (error) {
    return isPlasmaError(error) ? error.code : "not-a-plasma-error"
  }
  return undefined
}

describe("pull query", () => {
  it("decodes cookie and limit", () => {
    expect(parse(`${base}&cookie=${encodeURIComponent(encodeCookie(5))}&limit=10`)).toMatchObject({ cookie: { version: 5, resetting: false }, limit: 10, clientID: "c" })
    expect(parse(`${base}&cookie=${encodeURIComponent(encodeCookie(5, { resetting: true }))}`).cookie).toEqual({ version: 5, resetting: true })
    const bare = parse(base)
    expect(bare.cookie).toBeUndefined()
    expect(bare.limit).toBeUndefined()
  })

  it.each([
    ["limit 0", `${base}&limit=0`],
    ["negative limit", `${base}&limit=-1`],
    ["huge limit", `${base}&limit=10001`],
    ["giant limit", `${base}&limit=99999999999999999999`],
    ["non-numeric limit", `${base}&limit=ten`],
    ["exponent limit", `${base}&limit=1e3`],
    ["fractional limit", `${base}&limit=1.5`],
    ["malformed cookie", `${base}&cookie=hello`],
    ["repeated clientID", `${base}&clientID=d`],
    ["missing clientID", "protocolVersion=1&schemaVersion=v1&clientGroupID=g"],
    ["missing protocolVersion", "schemaVersion=v1&clientGroupID=g&clientID=c"],
    ["garbage protocolVersion", "protocolVersion=one&schemaVersion=v1&clientGroupID=g&clientID=c"],
  ])("refuses %s with invalid-request", (_label, query) => {
    expect(codeOf(query)).toBe("invalid-request")
  })

  it("answers protocol-mismatch for protocol version 2", () => {
    expect(codeOf("protocolVersion=2&schemaVersion=v1&clientGroupID=g&clientID=c")).toBe("protocol-mismatch")
  })

  it("accepts the largest limit", () => {
    expect(parse(`${base}&limit=10000`).limit).toBe(10_000)
  })
})
