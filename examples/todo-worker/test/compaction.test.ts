/**
 * Time travel and compaction through the cron: snapshots show the past; after the scheduled
 * handler compacts, an old cookie still converges (by a reset or by the folded changes), and a
 * fresh client gets the same state.
 */
import { readFile } from "node:fs/promises"
import { describe, expect, inject, it } from "vitest"
import { admin, eventually, runCron, sleep, stats, SyncClient, todoArgs, uniqueUser, type Row } from "./helpers.js"

const COMPACT_ACTIVE_WITHIN_MS = 5_000 // wrangler.jsonc's dev value

async function snapshotTodos(version: number, user: string): Promise<Row[]> {
  const response = await admin(`/admin/snapshot?version=${version}`)
  expect(response.status, await response.clone().text()).toBe(200)
  const body = (await response.json()) as { tables: Record<string, Row[]> }
  return (body.tables["todos"] ?? []).filter((row) => row["ownerId"] === user).sort((a, b) => (a.id < b.id ? -1 : 1))
}

describe("time travel and compaction", () => {
  it("snapshots the past, compacts in the cron, and keeps old and new clients converging", async () => {
    const user = uniqueUser("carol")
    const writer = new SyncClient(user)
    const stale = new SyncClient(user)

    await writer.push(todoArgs(`${user}-c1`, "first"), todoArgs(`${user}-c2`, "second"))
    await stale.pull()
    const versionBefore = (await stats()).changes.latest ?? 0
    expect(stale.snapshot().map((row) => row.id)).toEqual([`${user}-c1`, `${user}-c2`])

    for (let i = 0; i < 5; i++) await writer.push({ name: "toggleTodo", args: { id: `${user}-c1`, updatedAt: Date.now() } })
    await writer.push({ name: "deleteTodo", args: { id: `${user}-c2` } }, todoArgs(`${user}-c3`, "third"))
    await writer.pull()
    const versionAfter = (await stats()).changes.latest ?? 0

    // Time travel: the snapshot at the stale client's version is what it saw then.
    expect((await snapshotTodos(versionBefore, user)).map((row) => [row.id, row.done])).toEqual([[`${user}-c1`, false], [`${user}-c2`, false]])
    expect(await snapshotTodos(versionAfter, user)).toEqual(writer.snapshot())
    expect((await admin("/admin/snapshot?version=abc")).status).toBe(400)

    // Let every client fall out of the activity window, so the safe bound covers all of this.
    await sleep(COMPACT_ACTIVE_WITHIN_MS + 500)
    const report = await runCron()
    expect(report.safeUpToVersion).toBeGreaterThanOrEqual(versionAfter)
    expect(report.compaction.removed).toBeGreaterThanOrEqual(6) // 5 toggles' predecessors + c2's put, at least
    if (inject("wranglerLog") !== "") {
      // The scheduled handler logs what it did (wrangler forwards console output with a delay).
      await eventually(async () => (await readFile(inject("wranglerLog"), "utf8")).includes('"event":"maintenance"'), { what: "the maintenance log line" })
    }

    // The stale cookie predates the floor: the client converges anyway.
    await stale.pull()
    expect(stale.snapshot()).toEqual(writer.snapshot())
    const fresh = new SyncClient(user)
    await fresh.pull(2)
    expect(fresh.snapshot()).toEqual(writer.snapshot())
    expect(fresh.snapshot().map((row) => [row.id, row.done])).toEqual([[`${user}-c1`, true], [`${user}-c3`, false]])

    // Later changes keep flowing to everyone.
    await writer.push({ name: "toggleTodo", args: { id: `${user}-c3`, updatedAt: Date.now() } })
    await Promise.all([writer.pull(), stale.pull(), fresh.pull()])
    expect(stale.snapshot()).toEqual(writer.snapshot())
    expect(fresh.snapshot()).toEqual(writer.snapshot())

    // History below the floor is gone, and snapshotAsOf says so instead of guessing.
    const below = await admin(`/admin/snapshot?version=${versionBefore}`)
    expect(below.status).toBeGreaterThanOrEqual(400)
    expect(below.status).toBeLessThan(500)
  })
})
