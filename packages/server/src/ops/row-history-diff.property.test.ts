/**
 * `diffSnapshots` and `rowHistory` against `snapshotAsOf`, over random histories of puts and
 * deletes with compactions (sometimes pruning tombstones) in between, on better-sqlite3 and D1:
 * - applying `diffSnapshots(from, to)` to `snapshotAsOf(from)` gives `snapshotAsOf(to)` (and the
 *   model's state at `to`), each `before` matching the state it replaces;
 * - paging a diff with a small `limit` gives exactly the unpaged answer;
 * - `rowHistory` lists exactly the row's surviving log entries, newest first, each agreeing with
 *   the snapshot at its version (at the floor for folded entries), `folded` exactly at or below
 *   the floor; paged equals unpaged.
 */
import type { SqlExecutor } from "@plasma/executors"
import { postgresTestUrl } from "@plasma/executors/testing"
import fc from "fast-check"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { describeOnEngines } from "../testing/engines.js"
import { ensureSchema } from "../schema/migrations.js"
import { compactChangeLog } from "./compact-change-log.js"
import { diffSnapshots, type SnapshotDiff } from "./diff-snapshots.js"
import { headVersion, historyArb, openPostgres, plain, readLog, runHistory, schema, type HistoryOp, type RecordedHistory, type TableState } from "./ops-fixtures.js"
import { rowHistory, type RowHistoryEntry } from "./row-history.js"
import { snapshotAsOf, type Snapshot } from "./snapshot-as-of.js"

interface Segment {
  readonly ops: HistoryOp[]
  /** Compact up to this fraction of the head after the segment (none when null). */
  readonly compact: number | null
  readonly prune: boolean
}

const scenarioArb = (opsPerSegment: number) =>
  fc.record({
    segments: fc.array(fc.record({ ops: historyArb(opsPerSegment), compact: fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { nil: null }), prune: fc.boolean() }), { minLength: 1, maxLength: 3 }),
    fromPick: fc.double({ min: 0, max: 1, noNaN: true }),
    toPick: fc.double({ min: 0, max: 1, noNaN: true }),
    limit: fc.integer({ min: 1, max: 4 }),
  })

/** Runs the segments; returns the model history and the final compaction floor. */
async function build(executor: SqlExecutor, segments: readonly Segment[]): Promise<{ history: RecordedHistory; floor: number; head: number }> {
  let run: { history: RecordedHistory; state: TableState } | undefined
  let floor = 0
  for (const segment of segments) {
    run = await runHistory(executor, segment.ops, run)
    if (segment.compact !== null) {
      const bound = Math.floor(segment.compact * (await headVersion(executor)))
      await compactChangeLog({ executor, safeUpToVersion: bound, ...(segment.prune ? { pruneTombstonesUpTo: bound } : {}) })
      floor = Math.max(floor, Math.min(bound, await headVersion(executor)))
    }
  }
  if (run === undefined) throw new Error("no segment")
  return { history: run.history, floor, head: await headVersion(executor) }
}

/** Every page of a diff, in order. */
async function allPages(executor: SqlExecutor, from: number, to: number, limit: number): Promise<SnapshotDiff[]> {
  const pages: SnapshotDiff[] = []
  let cursor: string | undefined
  for (let guard = 0; guard < 1000; guard++) {
    const page = await diffSnapshots({ schema, executor, from, to, limit, ...(cursor === undefined ? {} : { cursor }) })
    pages.push(page)
    if (page.next === null) return pages
    cursor = page.next
  }
  throw new Error("diff paging did not end")
}

/** Applies diff pages to a copy of `base`, checking every `before` against the state it replaces. */
function applyDiff(base: Snapshot, pages: readonly SnapshotDiff[]): Snapshot {
  const state: Snapshot = new Map([...base].map(([t, rows]) => [t, new Map(rows)]))
  const seen = new Set<string>()
  for (const page of pages) {
    for (const [table, diff] of page.tables) {
      const rows = state.get(table) as Map<string, Record<string, unknown>>
      const once = (id: string) => {
        expect(seen.has(`${table}/${id}`), `${table}/${id} listed twice`).toBe(false)
        seen.add(`${table}/${id}`)
      }
      for (const { id, after } of diff.added) {
        once(id)
        expect(rows.has(id)).toBe(false)
        rows.set(id, after)
      }
      for (const { id, before } of diff.removed) {
        once(id)
        expect(rows.get(id)).toEqual(before)
        rows.delete(id)
      }
      for (const { id, before, after } of diff.changed) {
        once(id)
        expect(rows.get(id)).toEqual(before)
        expect(after).not.toEqual(before)
        rows.set(id, after)
      }
    }
  }
  return state
}

function merged(pages: readonly SnapshotDiff[]): Record<string, { added: unknown[]; removed: unknown[]; changed: unknown[] }> {
  const out: Record<string, { added: unknown[]; removed: unknown[]; changed: unknown[] }> = {}
  for (const page of pages) {
    for (const [table, diff] of page.tables) {
      const t = (out[table] ??= { added: [], removed: [], changed: [] })
      t.added.push(...diff.added)
      t.removed.push(...diff.removed)
      t.changed.push(...diff.changed)
    }
  }
  return out
}

async function historyPages(executor: SqlExecutor, table: string, id: string, limit: number): Promise<RowHistoryEntry[]> {
  const entries: RowHistoryEntry[] = []
  let before: string | undefined
  for (let guard = 0; guard < 1000; guard++) {
    const page = await rowHistory({ schema, executor, table, id, limit, ...(before === undefined ? {} : { before }) })
    entries.push(...page.entries)
    if (page.next === null) return entries
    before = page.next
  }
  throw new Error("history paging did not end")
}

async function checkScenario(executor: SqlExecutor, scenario: { segments: Segment[]; fromPick: number; toPick: number; limit: number }): Promise<void> {
  await ensureSchema({ schema, executor })
  const { history, floor, head } = await build(executor, scenario.segments)
  const snapshots = new Map<number, Snapshot>()
  const snapshotAt = async (v: number): Promise<Snapshot> => {
    let snap = snapshots.get(v)
    if (snap === undefined) snapshots.set(v, (snap = await snapshotAsOf({ schema, executor, cookie: v })))
    return snap
  }

  // Diffs: from and to anywhere in [floor, head + 1].
  const span = head + 1 - floor
  const a = floor + Math.floor(scenario.fromPick * (span + 1))
  const b = floor + Math.floor(scenario.toPick * (span + 1))
  const [from, to] = a <= b ? [a, b] : [b, a]
  const paged = await allPages(executor, from, to, scenario.limit)
  const unpaged = await allPages(executor, from, to, 10_000)
  expect(unpaged).toHaveLength(1)
  expect(merged(paged)).toEqual(merged(unpaged))
  for (const page of paged) expect([...page.tables.values()].reduce((n, d) => n + d.added.length + d.removed.length + d.changed.length, 0)).toBeLessThanOrEqual(scenario.limit)
  const applied = applyDiff(await snapshotAt(from), paged)
  expect(plain(applied)).toEqual(plain(await snapshotAt(to)))
  expect(plain(applied)).toEqual(plain(history.at(to)))

  // Row histories: every row the histories can touch.
  const log = await readLog(executor)
  for (const table of ["todos", "users"]) {
    for (const id of ["a", "b", "c", "d"]) {
      const entries = await historyPages(executor, table, id, scenario.limit)
      const unpagedEntries = (await rowHistory({ schema, executor, table, id, limit: 1000 })).entries
      expect(entries).toEqual(unpagedEntries)
      const expected = log.filter((e) => e.tableName === table && e.rowId === id).map((e) => e.rowVersion).reverse()
      expect(entries.map((e) => e.rowVersion)).toEqual(expected)
      expect(entries.filter((e) => e.folded).length).toBeLessThanOrEqual(1)
      for (const entry of entries) {
        expect(entry.folded).toBe(entry.rowVersion <= floor)
        const snap = await snapshotAt(Math.max(entry.rowVersion, floor))
        const row = snap.get(table)?.get(id)
        if (entry.op === "del") expect(row).toBeUndefined()
        else expect(row).toEqual(entry.value)
      }
    }
  }
}

describeOnEngines("rowHistory and diffSnapshots agree with snapshotAsOf over random histories with compaction", (open, engine) => {
  it("property", { timeout: engine === "d1" ? 240_000 : 60_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(scenarioArb(engine === "d1" ? 8 : 20), async (scenario) => {
        const { executor } = await open()
        await checkScenario(executor, scenario)
      }),
      { numRuns: engine === "d1" ? 5 : 80 },
    )
  })
})

describe.skipIf(postgresTestUrl() === null)("rowHistory and diffSnapshots agree with snapshotAsOf [PostgreSQL]", () => {
  let pg: Awaited<ReturnType<typeof openPostgres>>
  beforeAll(async () => {
    pg = await openPostgres()
  })
  afterAll(async () => {
    await pg.dispose()
  })
  it("property", { timeout: 180_000 }, async () => {
    await fc.assert(
      fc.asyncProperty(scenarioArb(12), async (scenario) => {
        await pg.wipe()
        await checkScenario(pg.executor, scenario)
      }),
      { numRuns: 20 },
    )
  })
})
