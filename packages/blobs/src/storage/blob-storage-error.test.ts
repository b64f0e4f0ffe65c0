import { PLASMA_ERROR_STATUS, PlasmaError } from "@plasma/core"
import { EXECUTOR_ERROR_HTTP_STATUS, ExecutorError } from "@plasma/executors"
import { describe, expect, it } from "vitest"
import { BLOB_STORAGE_ERROR_HTTP_STATUS, BlobStorageError } from "./blob-storage-error.js"

describe("error classes follow core's PlasmaError", () => {
  it("have the same fields: code, details, status, cause, toJSON", () => {
    const cause = new Error("driver said no")
    const errors = [
      new PlasmaError("invalid-request", "bad", { cause, details: { x: 1 } }),
      new ExecutorError("constraint-violation", "bad", { cause, details: { x: 1 } }),
      new BlobStorageError("invalid-hash", "bad", { cause, details: { x: 1 } }),
    ]
    for (const error of errors) {
      expect(typeof error.code).toBe("string")
      expect(error.details).toEqual({ x: 1 })
      expect(typeof error.status).toBe("number")
      expect(error.cause).toBe(cause)
      expect(error.toJSON()).toEqual({ x: 1, error: error.code, message: "bad" })
    }
  })

  it("give the same meaning the same status", () => {
    const tables: Readonly<Record<string, number>>[] = [PLASMA_ERROR_STATUS, EXECUTOR_ERROR_HTTP_STATUS, BLOB_STORAGE_ERROR_HTTP_STATUS]
    const codes = new Set(tables.flatMap((t) => Object.keys(t)))
    for (const code of codes) {
      const statuses = new Set(tables.filter((t) => code in t).map((t) => t[code]))
      expect([...statuses], code).toHaveLength(1)
    }
    expect(PLASMA_ERROR_STATUS["constraint-violation"]).toBe(409)
    expect(EXECUTOR_ERROR_HTTP_STATUS["constraint-violation"]).toBe(409)
    expect(EXECUTOR_ERROR_HTTP_STATUS.unavailable).toBe(PLASMA_ERROR_STATUS.unavailable)
  })
})
