import { expect, test } from "vitest"
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
