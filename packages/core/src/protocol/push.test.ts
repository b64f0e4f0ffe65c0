import { describe, expect, it } from "vitest"
import { isPlasmaError, type PlasmaError } from "../errors/plasma-error.js"
import { parsePushRequest } from "./push.js"

const valid = () => ({
  protocolVersion: 1,
  schemaVersion: "v1",
  clientGroupID: "g",
  clientID: "c",
  mutations: [
    { id: 1, name: "add", args: { id: "t1" }, timestamp: 1 },
    { id: 2, name: "add", args: null, timestamp: 2 },
  ],
})

function errorOf(body: unknown): PlasmaError {
  try {
    parsePushRequest(body)
  } catch (error) {
    if (isPlasmaError(error)) return error
    throw error
  }
  throw new Error("expected parsePushRequest to throw")
}

describe("push body", () => {
  it("accepts the SPEC shape and keeps args by reference", () => {
    const body = valid()
    const parsed = parsePushRequest(body)
    expect(parsed.mutations[0]?.args).toBe(body.mutations[0]?.args)
    expect(parsed.mutations).toHaveLength(2)
  })

  it("answers protocol-mismatch for another numeric protocol version, even with a foreign shape", () => {
    expect(errorOf({ ...valid(), protocolVersion: 2 }).code).toBe("protocol-mismatch")
    expect(errorOf({ protocolVersion: 2, something: "else" }).code).toBe("protocol-mismatch")
    expect(errorOf({ ...valid(), protocolVersion: "1" }).code).toBe("invalid-request")
  })

  it.each([
    ["not an object", 42, ""],
    ["array", [], ""],
    ["missing mutations", { ...valid(), mutations: undefined }, "mutations"],
    ["missing args", { ...valid(), mutations: [{ id: 1, name: "a", timestamp: 1 }] }, "mutations.0.args"],
    ["zero id", { ...valid(), mutations: [{ id: 0, name: "a", args: 1, timestamp: 1 }] }, "mutations.0.id"],
    ["fractional id", { ...valid(), mutations: [{ id: 1.5, name: "a", args: 1, timestamp: 1 }] }, "mutations.0.id"],
    ["unsafe id", { ...valid(), mutations: [{ id: 2 ** 53, name: "a", args: 1, timestamp: 1 }] }, "mutations.0.id"],
    ["string id", { ...valid(), mutations: [{ id: "1", name: "a", args: 1, timestamp: 1 }] }, "mutations.0.id"],
    ["empty name", { ...valid(), mutations: [{ id: 1, name: "", args: 1, timestamp: 1 }] }, "mutations.0.name"],
    ["long name", { ...valid(), mutations: [{ id: 1, name: "x".repeat(101), args: 1, timestamp: 1 }] }, "mutations.0.name"],
    ["timestamp string", { ...valid(), mutations: [{ id: 1, name: "a", args: 1, timestamp: "now" }] }, "mutations.0.timestamp"],
    ["ids not increasing", { ...valid(), mutations: [{ id: 2, name: "a", args: 1, timestamp: 1 }, { id: 2, name: "a", args: 1, timestamp: 1 }] }, "mutations.1.id"],
    ["empty clientID", { ...valid(), clientID: "" }, "clientID"],
    ["numeric clientGroupID", { ...valid(), clientGroupID: 7 }, "clientGroupID"],
  ])("refuses %s with invalid-request naming the path", (_label, body, path) => {
    const error = errorOf(body)
    expect(error.code).toBe("invalid-request")
    const issues = error.details.issues as { path: string }[]
    expect(issues.map((i) => i.path)).toContain(path)
  })
})
