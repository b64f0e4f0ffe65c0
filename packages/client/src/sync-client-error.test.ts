import { PlasmaError } from "@plasma/core"
import { describe, expect, it } from "vitest"
import { LiveQueryError } from "./live/live-query-error.js"
import { SyncClientError, toSyncClientErrorCode } from "./sync-client-error.js"

describe("client errors follow PlasmaError's shape", () => {
  it("SyncClientError: kind, code, status, details, cause and a toJSON like PlasmaError's body", () => {
    const cause = new Error("socket")
    const error = new SyncClientError("schema-mismatch", "409 wrong version", { status: 409, code: "schema-mismatch", details: { expected: "v2" }, cause })
    expect(error).toMatchObject({ name: "SyncClientError", kind: "schema-mismatch", code: "schema-mismatch", status: 409, details: { expected: "v2" }, cause })
    const plasma = new PlasmaError("schema-mismatch", "409 wrong version", { details: { expected: "v2" } })
    expect(error.toJSON()).toEqual({ ...plasma.toJSON(), kind: "schema-mismatch", status: 409 })
  })

  it("a server code this client does not know becomes `unrecognized`; known codes stay as they are", () => {
    expect(toSyncClientErrorCode("mutation-id-gap")).toBe("mutation-id-gap")
    expect(toSyncClientErrorCode("unauthorized")).toBe("unauthorized")
    expect(toSyncClientErrorCode("from-a-newer-server")).toBe("unrecognized")
    expect(toSyncClientErrorCode("toString")).toBe("unrecognized")
  })

  it("LiveQueryError: code, details, cause and toJSON like PlasmaError's body", () => {
    const error = new LiveQueryError("closed", "closed before its first delivery", { details: { table: "todos" } })
    expect(error).toMatchObject({ name: "LiveQueryError", code: "closed", details: { table: "todos" } })
    expect(error.toJSON()).toEqual({ error: "closed", message: "closed before its first delivery", table: "todos" })
  })
})
