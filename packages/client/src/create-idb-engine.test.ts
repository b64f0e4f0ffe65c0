import "fake-indexeddb/auto"
import { IDBFactory } from "fake-indexeddb"
import { createDb, defineSchema, eq, id, int, ref, table, text } from "@plasma/core"
import { describe, expect, it } from "vitest"
import { createIdbEngine } from "./create-idb-engine.js"

const lists = table("lists", { id: id(), name: text() })
const items = table("items", { id: id(), listId: ref(() => lists.id, { onDelete: "cascade" }), n: int().default(0) })
const schema = defineSchema({ lists, items })

describe("createIdbEngine", () => {
  it("gives a local database with the engine's rules whose rows survive reopening", async () => {
    const indexedDB = new IDBFactory()
    const engine = createIdbEngine({ schema, dbName: "app-test", indexedDB })
    const db = createDb(schema, engine)
    await db.insert(lists).values({ id: "l1", name: "groceries" })
    await db.insert(items).values([{ id: "i1", listId: "l1" }, { id: "i2", listId: "l1", n: 2 }])
    await expect(db.insert(items).values({ id: "i3", listId: "nope" })).rejects.toMatchObject({ code: "constraint-violation" })
    await engine.close()

    const again = createIdbEngine({ schema, dbName: "app-test", indexedDB })
    const db2 = createDb(schema, again)
    expect(await db2.select().from(items).orderBy(items.id)).toEqual([
      { id: "i1", listId: "l1", n: 0 },
      { id: "i2", listId: "l1", n: 2 },
    ])
    await db2.delete(lists).where(eq(lists.id, "l1")) // cascades
    await again.close()
    const third = createIdbEngine({ schema, dbName: "app-test", indexedDB })
    expect(await createDb(schema, third).select().from(items)).toEqual([])
    await third.close()
  })
})
