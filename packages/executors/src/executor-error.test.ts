/**
 * Driver errors become codes in one place: the messages D1 and SQLite use for a dropped
 * connection, a failing named CHECK constraint or a lock, mapped to the codes callers branch on.
 */
import { describe, expect, it } from "vitest"
import { isTransientExecutorError, toExecutorErrorFromD1, toExecutorErrorFromSqlite } from "./executor-error.js"

const sqliteError = (code: string, message: string): Error => Object.assign(new Error(message), { code })

describe("executor error codes", () => {
  it.each([
    ["D1_ERROR: Network connection lost.", "unavailable"],
    ["D1_ERROR: Cannot resolve D1 DB due to transient issue on remote node.", "unavailable"],
    ["D1_ERROR: D1 DB storage operation exceeded timeout which caused object to be reset.", "unavailable"],
    ["D1_ERROR: Internal error while starting up D1 DB storage caused object to be reset.", "unavailable"],
    ["D1_ERROR: D1 DB is overloaded. Requests queued for too long.", "busy"],
    ["D1_ERROR: UNIQUE constraint failed: u.x: SQLITE_CONSTRAINT", "constraint-violation"],
    ["D1_TYPE_ERROR: Type 'symbol' not supported for value 'Symbol()'", "invalid-parameter"],
    ["D1_ERROR: no such table: nope: SQLITE_ERROR", "query-failed"],
  ])("D1 %j → %s", (message, code) => {
    expect(toExecutorErrorFromD1(new Error(message)).code).toBe(code)
  })

  it.each([
    ["SQLITE_IOERR_WRITE", "disk I/O error", "unavailable"],
    ["SQLITE_BUSY", "database is locked", "busy"],
    ["SQLITE_CONSTRAINT_CHECK", "CHECK constraint failed: plasma_guard", "constraint-violation"],
    ["SQLITE_ERROR", "no such table: nope", "query-failed"],
  ])("SQLite %s → %s", (driverCode, message, code) => {
    expect(toExecutorErrorFromSqlite(sqliteError(driverCode, message)).code).toBe(code)
  })

  it("names the failing CHECK constraint on both engines, and only for CHECK constraints", () => {
    expect(toExecutorErrorFromD1(new Error("D1_ERROR: CHECK constraint failed: plasma_guard: SQLITE_CONSTRAINT (extended: SQLITE_CONSTRAINT_CHECK)")).constraint).toBe("plasma_guard")
    expect(toExecutorErrorFromSqlite(sqliteError("SQLITE_CONSTRAINT_CHECK", "CHECK constraint failed: plasma_blob_missing")).constraint).toBe("plasma_blob_missing")
    expect(toExecutorErrorFromSqlite(sqliteError("SQLITE_CONSTRAINT_UNIQUE", "UNIQUE constraint failed: t.x")).constraint).toBeNull()
  })

  it("calls busy and unavailable transient, and nothing else", () => {
    expect(isTransientExecutorError(toExecutorErrorFromD1(new Error("D1_ERROR: Network connection lost.")))).toBe(true)
    expect(isTransientExecutorError(toExecutorErrorFromSqlite(sqliteError("SQLITE_BUSY", "locked")))).toBe(true)
    expect(isTransientExecutorError(toExecutorErrorFromD1(new Error("D1_TYPE_ERROR: nope")))).toBe(false)
    expect(isTransientExecutorError(new Error("Network connection lost."))).toBe(false)
  })
})
