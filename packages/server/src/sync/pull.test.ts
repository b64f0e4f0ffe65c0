import { decodePullCookie, defineSchema, id, table, text, type PullCookie } from "@plasma/core"
import type { SqlExecutor } from "@plasma/executors"
import { createBetterSqlite3 } from "@plasma/executors/testing"
import { describe, expect, it } from "vitest"
import { compactChangeLog } from "../ops/compact-change-log.js"
import { ensureSchema } from "../schema/migrations.js"
import { pullChanges, type PullChanges } from "./pull.js"

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
const ann = { userId: "ann" }

async function open(): Promise<SqlExecutor> {
  const { executor } = await createBetterSqlite3()
  await ensureSchema({ schema, executor })
  return executor
}
const sql = (executor: SqlExecutor, text: string, ...params: unknown[]) => executor.run({ text, params })
const pull = (executor: SqlExecutor, cookie: PullCookie | number | null, limit = 100, clientID = "c") =>
  pullChanges({ schema, executor, ctx: ann, clientGroupID: "g", clientID, cookie, limit })

/** Pulls until `hasMore` is false; returns every page. */
async function pages(executor: SqlExecutor, cookie: PullCookie | number | null, limit: number): Promise<PullChanges[]> {
  const out: PullChanges[] = []
  let current: PullCookie | number | null = cookie
  for (let i = 0; i < 1000; i++) {
    const page = await pull(executor, current, limit)
    out.push(page)
    if (!page.hasMore) return out
    current = decodePullCookie(page.cookie)
  }
  throw new Error("pull did not finish")
}
const ids = (list: readonly PullChanges[]) => list.flatMap((p) => p.patch.map((op) => `${op.op}:${op.id}`))

describe("pullChanges: read predicates", () => {
  it("treats a read predicate that throws as a denial (nothing sent), so one bad row cannot wedge the pull", async () => {
    const executor = await open()
    await sql(executor, "INSERT INTO notes (id, owner, body) VALUES ('n1', 'ann', 'hi'), ('n2', 'ann', 'boom'), ('n3', 'ann', 'yo')")
    const page = await pull(executor, null, 10)
    expect(page.patch).toEqual([
      { op: "put", table: "notes", id: "n1", value: { id: "n1", owner: "ann", body: "hi" } },
      { op: "put", table: "notes", id: "n3", value: { id: "n3", owner: "ann", body: "yo" } },
    ])
    expect(page.hasMore).toBe(false)
  })

  it("sends nothing about rows the client may not read; a del only when the row was readable before and is not after", async () => {
    const executor = await open()
    await sql(executor, "INSERT INTO notes (id, owner, body) VALUES ('mine', 'ann', '1'), ('theirs', 'bob', '1'), ('given', 'bob', '1')") // 1-3
    await sql(executor, "UPDATE notes SET body = '2' WHERE id = 'theirs'") // 4: never readable: nothing
    await sql(executor, "UPDATE notes SET owner = 'ann' WHERE id = 'given'") // 5: becomes readable: put
    await sql(executor, "UPDATE notes SET owner = 'bob' WHERE id = 'mine'") // 6: stops being readable: del
    await sql(executor, "DELETE FROM notes WHERE id = 'theirs'") // 7: never readable: nothing
    await sql(executor, "DELETE FROM notes WHERE id = 'given'") // 8: readable before: del
    await sql(executor, "DELETE FROM notes WHERE id = 'mine'") // 9: unreadable before: nothing
    expect(ids(await pages(executor, null, 2))).toEqual(["put:mine", "put:given", "del:mine", "del:given"])
    // From a cookie in the middle, the previous entries still decide (they are before the cookie).
    expect(ids(await pages(executor, 5, 100))).toEqual(["del:mine", "del:given"])
    expect(ids(await pages(executor, 6, 100))).toEqual(["del:given"])
  })

  it("after compaction folded away what came before, a client that may hold the row still gets its del", async () => {
    const executor = await open()
    await sql(executor, "INSERT INTO notes (id, owner, body) VALUES ('n', 'ann', '1')") // 1: the client pulls this
    await sql(executor, "INSERT INTO notes (id, owner, body) VALUES ('x', 'bob', '1')") // 2
    await sql(executor, "UPDATE notes SET owner = 'bob' WHERE id = 'n'") // 3: n no longer readable
    await compactChangeLog({ executor, safeUpToVersion: 3 }) // removes entry 1: n's history before 3
    // The price (see change-visibility.ts): in the folded prefix, "had a readable past" is unknown,
    // so x's id goes out as a del too; never a row's content.
    const sent = ids(await pages(executor, 1, 100))
    expect(sent).toContain("del:n")
    expect(sent.filter((s) => s.startsWith("put:"))).toEqual([])
    // A client with nothing learns nothing about either row.
    expect(ids(await pages(executor, null, 100))).toEqual([])
  })
})

describe("pullChanges: paging and resets (SPEC §8)", () => {
  async function history(executor: SqlExecutor): Promise<void> {
    for (let i = 1; i <= 6; i++) await sql(executor, "INSERT INTO notes (id, owner, body) VALUES (?, 'ann', 'v1')", `n${i}`) // 1-6
    await sql(executor, "DELETE FROM notes WHERE id IN ('n1', 'n2')") // 7, 8
    await sql(executor, "UPDATE notes SET body = 'v2' WHERE id = 'n3'") // 9
    await sql(executor, "INSERT INTO notes (id, owner, body) VALUES ('n7', 'ann', 'v1')") // 10
  }
  const state = (list: readonly PullChanges[], start: Map<string, unknown> = new Map()) => {
    let base = new Map(start)
    let staged: Map<string, unknown> | null = null
    for (const page of list) {
      if (page.reset === true && staged === null) staged = new Map()
      const target = staged ?? base
      for (const op of page.patch) op.op === "put" ? target.set(op.id, op.value) : target.delete(op.id)
      if (!page.hasMore && staged !== null) base = staged
    }
    return [...base.keys()].sort()
  }
  const serverIds = ["n3", "n4", "n5", "n6", "n7"]

  it("bounds every page by limit, from no cookie too, and records the cookie handed out", async () => {
    const executor = await open()
    await history(executor)
    const list = await pages(executor, null, 3)
    expect(list.map((p) => p.changes)).toEqual([3, 3, 3, 1])
    expect(list.every((p) => p.reset === undefined)).toBe(true)
    expect(state(list)).toEqual(serverIds)
    const first = await pull(executor, null, 3, "fresh")
    const position = await executor.all({ text: "SELECT last_pull_version AS v FROM _plasma_client_mutations WHERE client_id = 'fresh'", params: [] })
    expect(position).toEqual([{ v: decodePullCookie(first.cookie).version }])
  })

  it("serves a cookie below the compaction floor without a reset, deletes included", async () => {
    const executor = await open()
    await history(executor)
    await compactChangeLog({ executor, safeUpToVersion: 9 })
    const held = new Map<string, unknown>([["n1", {}], ["n2", {}], ["n3", {}]])
    const list = await pages(executor, 3, 2)
    expect(list.every((p) => p.reset === undefined && p.changes <= 2)).toBe(true)
    expect(state(list, held)).toEqual(serverIds)
  })

  it("walks a reset in pages for a cookie below the tombstone floor: every page says reset, walk cookies say resetting, the last page ends the walk", async () => {
    const executor = await open()
    await history(executor)
    await compactChangeLog({ executor, safeUpToVersion: 9, pruneTombstonesUpTo: 8 })
    const held = new Map<string, unknown>([["n1", {}], ["n2", {}], ["phantom", {}]])
    const list = await pages(executor, 3, 2)
    expect(list.length).toBeGreaterThan(1)
    expect(list.every((p) => p.reset === true && p.changes <= 2)).toBe(true)
    const cookies = list.map((p) => decodePullCookie(p.cookie))
    expect(cookies.slice(0, -1).every((c) => c.resetting)).toBe(true)
    expect(cookies.at(-1)?.resetting).toBe(false)
    expect(state(list, held)).toEqual(serverIds)
    // The walk's positions are below the floor, yet it never starts over.
    expect(cookies[0]?.version).toBeLessThan(8)
    // After the walk, the client's plain cookie pulls normally.
    expect((await pull(executor, cookies.at(-1) ?? null)).reset).toBeUndefined()
    // A cookie at or above the tombstone floor is served without a reset.
    expect((await pull(executor, 8)).reset).toBeUndefined()
  })

  it("walks a reset for a cookie past the head (a restored database)", async () => {
    const executor = await open()
    await history(executor)
    const list = await pages(executor, 500, 4)
    expect(list.every((p) => p.reset === true && p.changes <= 4)).toBe(true)
    expect(state(list, new Map([["ghost", {}]]))).toEqual(serverIds)
    // A walk cookie past the head (the database was restored mid-walk) starts the walk again.
    const again = await pull(executor, { version: 500, resetting: true }, 4)
    expect(again.reset).toBe(true)
    expect(again.patch[0]?.id).toBe("n1")
  })

  it("rejects a limit that is not a positive integer", async () => {
    const executor = await open()
    await expect(pull(executor, null, 0)).rejects.toMatchObject({ code: "invalid-request" })
  })
})
