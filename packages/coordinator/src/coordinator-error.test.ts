import { PLASMA_ERROR_STATUS } from "@plasma/core"
import { describe, expect, it, test } from "vitest"
import { COORDINATOR_ERROR_STATUS, CoordinatorError } from "./coordinator-error.js"

test("an error knows its status and renders a JSON response", async () => {
  const error = new CoordinatorError("unauthorized", "invalid coordinator token", { details: { room: "r" } })
  expect(error.status).toBe(401)
  const response = error.toResponse()
  expect(response.status).toBe(401)
  expect(await response.json()).toEqual({ error: "unauthorized", message: "invalid coordinator token", room: "r" })
  // details cannot overwrite the code or message
  const sneaky = new CoordinatorError("upgrade-required", "m", { details: { error: "x", message: "y" } })
  expect(await sneaky.toResponse().json()).toEqual({ error: "upgrade-required", message: "m" })
})

test("every code maps to an HTTP status", () => {
  for (const status of Object.values(COORDINATOR_ERROR_STATUS)) expect(status).toBeGreaterThanOrEqual(400)
})

describe("CoordinatorError follows core's PlasmaError", () => {
  it("has code, details, status, cause and toJSON, and its body is the JSON", async () => {
    const cause = new Error("network")
    const error = new CoordinatorError("poke-failed", "the room said 500", { cause, details: { status: 500 } })
    expect(error.status).toBe(502)
    expect(error.cause).toBe(cause)
    expect(error.toJSON()).toEqual({ status: 500, error: "poke-failed", message: "the room said 500" })
    expect(await error.toResponse().json()).toEqual(error.toJSON())
  })

  it("gives codes it shares with core the same status", () => {
    for (const [code, status] of Object.entries(COORDINATOR_ERROR_STATUS)) {
      if (code in PLASMA_ERROR_STATUS) expect(status, code).toBe(PLASMA_ERROR_STATUS[code as keyof typeof PLASMA_ERROR_STATUS])
    }
  })
})
