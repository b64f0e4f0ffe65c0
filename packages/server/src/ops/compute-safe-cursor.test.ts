import { encodeCookie, isPlasmaError } from "@plasma/core"
import { describe, expect, it } from "vitest"
import { compactChangeLog } from "./compact-change-log.js"
import { computeSafeCursor } from "./compute-safe-cursor.js"
import type { SqlExecutor } from "@plasma/executors"
import { postgresTestUrl } from "@plasma/executors/testing"
import { afterEach } from "vitest"
import { openPostgres, openSqlite, pullToEnd } from "./ops-fixtures.js"

const DAY = 24 * 60 * 60 * 1000

/** The engines this suite runs on: better-sqlite3, and Postgres when `PLASMA_PG_URL` names one. */
const ENGINES: readonly (readonly [string, () => Promise<{ executor: SqlExecutor; dispose?(): Promise<void> }>])[] = [
  ["better-sqlite3", openSqlite],
  ...(postgresTestUrl() === null ? [] : [["PostgreSQL", openPostgres] as const]),
]

describe.each(ENGINES)("computeSafeCursor [%s]", (_name, openEngine) => {
  const opened: { dispose?(): Promise<void> }[] = []
  afterEach(async () => {
    for (const db of opened.splice(0)) await db.dispose?.()
  })
  const open = async () => {
    const db = await openEngine()
    opened.push(db)
    return db
  }

  it("is the head when no client is active, else the lowest pull position among active clients (positions 0 and NULL do not pin it)", async () => {
    const { executor } = await open()
    const now = 100 * DAY
    expect(await computeSafeCursor(executor, { now })).toBe(0)
    await executor.run({ text: "INSERT INTO users (id, name) VALUES ('a', '1'), ('b', '2'), ('c', '3'), ('d', '4')", params: [] })
    expect(await computeSafeCursor(executor, { now })).toBe(4)
    const client = (id: string, pulled: number | null, seen: number) =>
      executor.run({ text: "INSERT INTO _plasma_client_mutations VALUES ('g', ?, 0, CAST(? AS BIGINT), ?)", params: [id, pulled, seen] })
    await client("stale", 1, now - 61 * DAY)
    expect(await computeSafeCursor(executor, { now })).toBe(4)
    await client("fresh", 3, now - DAY)
    await client("fresher", 4, now)
    expect(await computeSafeCursor(executor, { now })).toBe(3)
    expect(await computeSafeCursor(executor, { now, activeWithinMs: 62 * DAY })).toBe(1)
    // Never pulled with a cookie: its next pull reads the (compacted) log from the start anyway.
    await client("pushed-only", null, now)
    await client("first-pull", 0, now)
    expect(await computeSafeCursor(executor, { now })).toBe(3)
    await expect(computeSafeCursor(executor, { activeWithinMs: -1 })).rejects.toSatisfy((e: unknown) => isPlasmaError(e, "invalid-request"))
  })

  it("follows real pulls: compacting and pruning tombstones up to it never resets an active client", async () => {
    const { executor } = await open()
    await executor.run({ text: "INSERT INTO users (id, name) VALUES ('a', '1'), ('b', '2')", params: [] })
    // The first pull records the cookie it hands out, 2: the client is protected at once.
    const behind = await pullToEnd(executor, new Map(), null, 100, "behind")
    await executor.run({ text: "UPDATE users SET name = 'x'", params: [] })
    await executor.run({ text: "UPDATE users SET name = 'y'", params: [] })
    const cursor = await computeSafeCursor(executor)
    expect(cursor).toBe(2)
    await compactChangeLog({ executor, safeUpToVersion: cursor, pruneTombstonesUpTo: cursor })
    const next = await pullToEnd(executor, behind.state, encodeCookie(2), 100, "behind")
    expect(next.resets).toBe(0)
    expect([...(next.state.get("users") ?? new Map()).values()].map((v) => (v as { name: string }).name)).toEqual(["y", "y"])
  })
})
