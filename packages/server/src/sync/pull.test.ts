import { defineSchema, id, table, text } from "@plasma/core"
import { createBetterSqlite3 } from "@plasma/executors/testing"
import { describe, expect, it } from "vitest"
import { ensureSchema } from "../schema/migrations.js"
import { pullChanges } from "./pull.js"

const notes = table(
  "notes",
  { id: id(), owner: text(), body: text() },
  {
    auth: {
      read: (ctx, row) => {
        if (row.body === "boom") throw new Error("predicate bug")
        return row.owner === ctx.userId
      },
    },
  },
)
const schema = defineSchema({ notes })

describe("pullChanges", () => {
  it("treats a read predicate that throws as a denial, so one bad row cannot wedge the pull", async () => {
    const { executor } = await createBetterSqlite3()
    await ensureSchema({ schema, executor })
    await executor.run({ text: "INSERT INTO notes (id, owner, body) VALUES ('n1', 'ann', 'hi'), ('n2', 'ann', 'boom'), ('n3', 'ann', 'yo')", params: [] })
    const page = await pullChanges({ schema, executor, ctx: { userId: "ann" }, clientGroupID: "g", clientID: "c", cookie: null, limit: 10 })
    expect(page.patch).toEqual([
      { op: "put", table: "notes", id: "n1", value: { id: "n1", owner: "ann", body: "hi" } },
      { op: "del", table: "notes", id: "n2" },
      { op: "put", table: "notes", id: "n3", value: { id: "n3", owner: "ann", body: "yo" } },
    ])
    expect(page.hasMore).toBe(false)
  })
})
