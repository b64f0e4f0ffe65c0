/**
 * The invariants of a quiescent point (every group has an open tab, all online, outboxes
 * drained, pulls done). Each returns human-readable problems; none means the point holds.
 *
 * 1. Drained: every tab's outbox is empty.
 * 2. Convergence: every tab's view of every table equals the server's rows readable to its user
 *    (`createServerDb` with that user's ctx applies the tables' real `read` predicates).
 * 3. Exactly once: each counter equals the increments issued (by clients and server code), and
 *    every increment's and every insert's tag was committed in exactly one change entry.
 * 4. Poison: no poisoned row on the server or on any client; mutators that cannot fail on the
 *    server were never dropped.
 * 5. Blobs: every committed FileRef's bytes are in storage.
 * 6. History: `snapshotAsOf(v)` equals the recorded state at v for sampled v ≥ the floor, and the
 *    head among them.
 */
import { createServerDb, snapshotAsOf } from "@plasma/server"
import type { SimWorld } from "./sim-world.js"
import { COUNTER_IDS, schema, TABLES, type TableName } from "./world-schema.js"

const NEVER_POISON = ["addItem", "increment", "renameItem", "shareItem", "deleteItem"]
const TABLE_NAMES = Object.keys(TABLES) as TableName[]

export async function checkQuiescentState(world: SimWorld): Promise<string[]> {
  const problems: string[] = []
  const { executor } = world.server
  // 1 + 2
  for (const tab of world.tabs) {
    const depth = tab.client.status.get().outboxDepth
    if (depth !== 0) problems.push(`tab ${tab.key} still has ${depth} pending mutation(s) (errors: ${tab.errors.slice(-3).join(" | ")})`)
    const serverDb = createServerDb({ schema, executor, ctx: { userId: tab.group.user } })
    for (const name of TABLE_NAMES) {
      const table = TABLES[name]
      const want = canonical(await serverDb.select().from(table))
      const got = canonical(await tab.client.db.select().from(table))
      if (want !== got) problems.push(`tab ${tab.key} (user ${tab.group.user}) ${name} differs from the server's readable rows:\n    client ${got}\n    server ${want}`)
    }
  }
  // 3
  const tagCounts = new Map<string, number>()
  for (const e of world.history.entries) {
    if (e.row === null) continue
    const key = `${e.table}:${e.id}:${String(e.row.tag)}`
    tagCounts.set(key, (tagCounts.get(key) ?? 0) + 1)
  }
  const expected = new Map<string, number>(COUNTER_IDS.map((id) => [id, world.issued.serverIncrements.get(id) ?? 0]))
  for (const m of world.issued.all()) {
    if (m.kind === "increment") {
      expected.set(m.target, (expected.get(m.target) ?? 0) + m.by)
      const n = tagCounts.get(`counters:${m.target}:${m.tag}`) ?? 0
      if (n !== 1) problems.push(`increment ${m.tag} of ${m.target} (group ${m.groupID}) committed ${n} time(s), expected exactly once`)
    }
    if (m.kind === "addItem" && (tagCounts.get(`items:${m.target}:${m.tag}`) ?? 0) < 1) problems.push(`insert ${m.tag} of item ${m.target} (group ${m.groupID}) never committed`)
    if (m.kind === "poisonItem" && world.history.entries.some((e) => e.table === "items" && e.id === m.target)) problems.push(`poison mutation ${m.tag} committed item ${m.target}`)
  }
  const rows = await executor.all<{ id: string; value: number }>({ text: "SELECT id, value FROM counters", params: [] })
  for (const [id, want] of expected) {
    const got = Number(rows.find((r) => r.id === id)?.value ?? 0)
    if (got !== want) problems.push(`counter ${id} is ${got} on the server, ${want} increments were issued`)
  }
  // Mutators that cannot fail on the server (fresh ids, own rows, no constraints) are never
  // dropped: one that was is a second application refused by a constraint (exactly-once broke).
  for (const [reason, n] of world.server.poisoned.reasons) {
    if (NEVER_POISON.some((name) => reason.startsWith(`${name}:`))) problems.push(`${n} ${reason.split(":")[0] as string} mutation(s) dropped as poison (${reason}): applied twice, or refused wrongly`)
  }
  // 4 is covered by 2 (clients equal the server) and the poison check above.
  // 5
  for (const item of await executor.all<{ id: string; attachment: string | null }>({ text: "SELECT id, attachment FROM items WHERE attachment IS NOT NULL", params: [] })) {
    const hash = (JSON.parse(item.attachment as string) as { hash: string }).hash
    if ((await world.server.storage.head(hash)) === null) problems.push(`item ${item.id} references blob ${hash}, whose bytes are gone`)
  }
  // 6
  const head = world.history.head
  const recordedHead = world.history.stateAt(head)
  for (const v of sampleVersions(world.floor, head)) {
    let snapshot: Awaited<ReturnType<typeof snapshotAsOf>>
    try {
      snapshot = await snapshotAsOf({ schema, executor, cookie: v })
    } catch (error) {
      problems.push(`snapshotAsOf(${v}) threw (floor ${world.floor}, head ${head}): ${String(error)}`)
      continue
    }
    const want = v === head ? recordedHead : world.history.stateAt(v)
    for (const name of TABLE_NAMES) {
      const a = canonical([...(snapshot.get(name)?.values() ?? [])])
      const b = canonical([...(want.get(name)?.values() ?? [])])
      if (a !== b) problems.push(`snapshotAsOf(${v}).${name} differs from the recorded history (floor ${world.floor}):\n    snapshot ${a}\n    recorded ${b}`)
    }
  }
  return problems
}

/** The floor, the head and two versions between, deduplicated. */
function sampleVersions(floor: number, head: number): number[] {
  const low = Math.min(floor, head)
  return [...new Set([low, Math.floor((low + head) / 2), Math.floor((low + 3 * head) / 4), head])].filter((v) => v >= 1)
}

/** Rows sorted by id, keys sorted: a string two equal row sets share. */
function canonical(rows: readonly Readonly<Record<string, unknown>>[]): string {
  return JSON.stringify(
    [...rows]
      .sort((a, b) => (String(a.id) < String(b.id) ? -1 : String(a.id) > String(b.id) ? 1 : 0))
      .map((r) => Object.fromEntries(Object.entries(r).sort(([a], [b]) => (a < b ? -1 : 1)))),
  )
}
