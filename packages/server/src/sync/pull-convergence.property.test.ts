/**
 * SPEC §8 pulls as a property, on better-sqlite3: clients pulling page by page, from any cookie
 * and at any moment of a random history of writes, compactions and tombstone prunes, converge to
 * exactly the rows the server lets them read.
 *
 * Each simulated client behaves like `@plasma/client`: it applies plain pages to its base, stages
 * `reset: true` pages from empty and swaps them in after the page with `hasMore: false`, and may
 * stop after any page (keeping its cookie and its staged walk). Checked on every page: at most
 * `limit` entries; no put of a row the client may not read; inside a walk every page says
 * `reset: true`; before any compaction, a `del` only for a row the client holds. Tombstones are
 * pruned up to `computeSafeCursor`, or past it while no client is mid-walk (a walk's position is
 * what the safe cursor protects; pruning past a walker is the one thing it cannot survive, see
 * the README), so plain cookies below the tombstone floor do occur and reset. Checked at the
 * end: every client, and clients arriving with a cookie past the head (a restored database),
 * converge to the readable state.
 */
import { decodePullCookie, defineSchema, encodeCookie, id, table, text, type PatchOperation } from "@plasma/core"
import type { SqlExecutor } from "@plasma/executors"
import { createBetterSqlite3 } from "@plasma/executors/testing"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { compactChangeLog } from "../ops/compact-change-log.js"
import { computeSafeCursor } from "../ops/compute-safe-cursor.js"
import { ensureSchema } from "../schema/migrations.js"
import { pullChanges } from "./pull.js"

type Ctx = { readonly userId: string }
const notes = table("notes", { id: id(), owner: text(), body: text() }, { auth: { read: (ctx, row) => row.owner === (ctx as Ctx).userId } })
const items = table("items", { id: id(), body: text() })
const schema = defineSchema({ notes, items })
const READER: Ctx = { userId: "ann" }

type Rows = Map<string, Map<string, Record<string, unknown>>>

type Step =
  | { readonly kind: "put"; readonly table: "notes" | "items"; readonly id: string; readonly owner: "ann" | "bob"; readonly body: number }
  | { readonly kind: "del"; readonly table: "notes" | "items"; readonly id: string }
  | { readonly kind: "compact"; readonly boundSeed: number; readonly pruneSeed: number | null; readonly pastSafeCursor: boolean }
  | { readonly kind: "pull"; readonly client: number; readonly pages: number; readonly limit: number }

const stepArb: fc.Arbitrary<Step> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant("put" as const), table: fc.constantFrom("notes" as const, "items" as const), id: fc.constantFrom("a", "b", "c"), owner: fc.constantFrom("ann" as const, "bob" as const), body: fc.nat(99) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("del" as const), table: fc.constantFrom("notes" as const, "items" as const), id: fc.constantFrom("a", "b", "c") }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("compact" as const), boundSeed: fc.nat(), pruneSeed: fc.option(fc.nat()), pastSafeCursor: fc.boolean() }) },
  { weight: 3, arbitrary: fc.record({ kind: fc.constant("pull" as const), client: fc.nat(2), pages: fc.integer({ min: 1, max: 3 }), limit: fc.integer({ min: 1, max: 4 }) }) },
)

class SimClient {
  base: Rows = new Map()
  staged: Rows | null = null
  cookie: string | null = null
  constructor(readonly clientID: string) {}

  /** Pulls up to `pages` pages (all of them when `pages` is Infinity), checking each page. */
  async pull(executor: SqlExecutor, limit: number, pages: number, compacted: boolean): Promise<void> {
    for (let n = 0; n < pages; n++) {
      const page = await pullChanges({ schema, executor, ctx: READER, clientGroupID: "g", clientID: this.clientID, cookie: this.cookie === null ? null : decodePullCookie(this.cookie), limit })
      expect(page.patch.length).toBeLessThanOrEqual(limit)
      if (this.staged !== null) expect(page.reset).toBe(true)
      if (page.reset === true && this.staged === null) this.staged = new Map()
      const target = this.staged ?? this.base
      for (const op of page.patch) this.#apply(target, op, compacted)
      this.cookie = page.cookie
      if (!page.hasMore) {
        if (this.staged !== null) this.base = this.staged
        this.staged = null
        return
      }
    }
  }

  #apply(target: Rows, op: PatchOperation, compacted: boolean): void {
    let rows = target.get(op.table)
    if (rows === undefined) target.set(op.table, (rows = new Map()))
    if (op.op === "put") {
      if (op.table === "notes") expect(op.value.owner).toBe(READER.userId)
      rows.set(op.id, op.value)
    } else {
      // Before any compaction, a client hears of a delete only for a row it holds.
      if (!compacted && op.table === "notes") expect(rows.has(op.id)).toBe(true)
      rows.delete(op.id)
    }
  }
}

async function applyWrite(executor: SqlExecutor, step: Extract<Step, { kind: "put" | "del" }>): Promise<void> {
  if (step.kind === "del") {
    await executor.run({ text: `DELETE FROM ${step.table} WHERE id = ?`, params: [step.id] })
  } else if (step.table === "notes") {
    await executor.run({ text: "INSERT INTO notes (id, owner, body) VALUES (?, ?, ?) ON CONFLICT (id) DO UPDATE SET owner = excluded.owner, body = excluded.body", params: [step.id, step.owner, String(step.body)] })
  } else {
    await executor.run({ text: "INSERT INTO items (id, body) VALUES (?, ?) ON CONFLICT (id) DO UPDATE SET body = excluded.body", params: [step.id, String(step.body)] })
  }
}

/** What the reader may see on the server right now. */
async function readableState(executor: SqlExecutor): Promise<Record<string, Record<string, unknown>>> {
  const notesRows = await executor.all<Record<string, unknown>>({ text: "SELECT id, owner, body FROM notes WHERE owner = ? ORDER BY id", params: [READER.userId] })
  const itemRows = await executor.all<Record<string, unknown>>({ text: "SELECT id, body FROM items ORDER BY id", params: [] })
  const out: Record<string, Record<string, unknown>> = {}
  if (notesRows.length > 0) out.notes = Object.fromEntries(notesRows.map((r) => [String(r.id), r]))
  if (itemRows.length > 0) out.items = Object.fromEntries(itemRows.map((r) => [String(r.id), r]))
  return out
}

function plain(rows: Rows): Record<string, Record<string, unknown>> {
  const out: Record<string, Record<string, unknown>> = {}
  for (const [t, byId] of [...rows].sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (byId.size > 0) out[t] = Object.fromEntries([...byId].sort(([a], [b]) => (a < b ? -1 : 1)))
  }
  return out
}

async function headOf(executor: SqlExecutor): Promise<number> {
  const rows = await executor.all<{ v: number }>({ text: "SELECT COALESCE(MAX(row_version), 0) AS v FROM _plasma_changes", params: [] })
  return Number(rows[0]?.v ?? 0)
}

describe("pulls converge from any cookie (property, better-sqlite3)", () => {
  it("page by page, through compactions, tombstone prunes and reset walks", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(stepArb, { maxLength: 40 }), fc.integer({ min: 1, max: 5 }), fc.nat(20), async (steps, finalLimit, pastHead) => {
        const { executor, dispose } = await createBetterSqlite3()
        try {
          await ensureSchema({ schema, executor })
          const clients = [new SimClient("c0"), new SimClient("c1"), new SimClient("c2")]
          let compacted = false
          for (const step of steps) {
            if (step.kind === "put" || step.kind === "del") await applyWrite(executor, step)
            else if (step.kind === "pull") await (clients[step.client] as SimClient).pull(executor, step.limit, step.pages, compacted)
            else {
              const head = await headOf(executor)
              const bound = step.boundSeed % (head + 1)
              // Tombstones are pruned up to the safe cursor (what clients have not read yet stays), or,
              // while no client is in the middle of a walk, past it: clients behind then reset.
              const anyWalking = clients.some((c) => c.staged !== null)
              const cap = step.pastSafeCursor && !anyWalking ? bound : await computeSafeCursor(executor)
              const prune = step.pruneSeed === null ? undefined : Math.min(step.pruneSeed % (bound + 1), cap)
              await compactChangeLog({ executor, safeUpToVersion: bound, ...(prune === undefined ? {} : { pruneTombstonesUpTo: prune }) })
              compacted = true
            }
          }
          // A client of the database before a restore: its cookie is past the head, its rows junk.
          const restored = new SimClient("restored")
          restored.cookie = encodeCookie((await headOf(executor)) + 1 + pastHead)
          restored.base.set("notes", new Map([["zz", { id: "zz", owner: "ann", body: "junk" }]]))
          const expected = await readableState(executor)
          for (const client of [...clients, restored, new SimClient("newcomer")]) {
            await client.pull(executor, finalLimit, Number.POSITIVE_INFINITY, true)
            expect(plain(client.base)).toEqual(expected)
          }
        } finally {
          await dispose()
        }
      }),
      { numRuns: 200 },
    )
  }, 120_000)
})
