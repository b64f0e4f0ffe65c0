import { describe, expect, it } from "vitest"
import * as publicApi from "./index.js"
import * as internal from "./internal.js"

describe("@plasma/core/internal", () => {
  it("holds the helpers only plasma's own packages use, and the public entry no longer does", () => {
    for (const name of [
      "createRowScope",
      "storageClassOf",
      "compareBytes",
      "checkProtocolVersion",
      "toInvalidRequest",
      "evaluateExpr",
      "matchesCondition",
      "sqlLike",
      "isTrue",
      "compareSqlValues",
      "compareText",
      "sqlValueKey",
      "toRawSqlValue",
      "pointIdsOf",
    ]) {
      expect(name in internal, name).toBe(true)
      expect(name in publicApi, name).toBe(false)
    }
  })
})
