/**
 * Micro-benchmark of the live query registry (not a test). 10,000 rows, 20 live queries of the
 * incremental shape; measures
 * - `notify` for one changed row (re-evaluation and callbacks included), p50/p99;
 * - the same change with every query fully re-evaluated by `evaluateSelect` (what the registry
 *   would cost without incremental maintenance);
 * - a rebase-sized notify: 1,100 ids (1,000 changed rows, 100 re-created equal);
 * - a join and an aggregate query (full re-evaluation) for scale.
 *
 * Times are wall-clock after a warm-up; the process CPU time is printed beside them because a
 * shared machine's load inflates wall time (CPU time still counts GC threads).
 *
 * Run: `cd packages/client && pnpm exec tsx src/live/bench-live-registry.ts` (needs core's dist).
 */
import { count, createDb, defineSchema, desc, eq, evaluateSelect, gt, id, int, boolean, like, table, text, type QueryEngine, type SelectNode } from "@plasma/core"
import { createLiveRegistry } from "./live-registry.js"
import type { Row } from "./row-identity.js"
import { ViewFixture } from "./view-fixture.js"

const ROWS = 10_000
const users = table("users", { id: id(), name: text() })
const todos = table("todos", { id: id(), title: text(), done: boolean(), rank: int(), ownerId: text(), updatedAt: int() })
const schema = defineSchema({ users, todos })
const engine: QueryEngine = { select: () => Promise.reject(new Error("unused")), write: () => Promise.reject(new Error("unused")) }
const db = createDb(schema, engine)

function todoRow(n: number, updatedAt: number): Row {
  return { id: `t${String(n).padStart(5, "0")}`, title: `todo ${n}`, done: n % 3 === 0, rank: n % 97, ownerId: `u${n % 10}`, updatedAt }
}

function queries(): SelectNode[] {
  const out: SelectNode[] = []
  for (let i = 0; i < 5; i++) out.push(db.select().from(todos).where(eq(todos.done, false)).orderBy(desc(todos.updatedAt)).limit(50).offset(i * 10).toNode())
  for (let i = 0; i < 5; i++) out.push(db.select().from(todos).where(eq(todos.ownerId, `u${i}`)).orderBy(todos.rank).limit(20).toNode())
  for (let i = 0; i < 5; i++) out.push(db.select({ id: todos.id, title: todos.title }).from(todos).where(like(todos.title, `%${i}%`)).orderBy(todos.title).limit(100).toNode())
  for (let i = 0; i < 3; i++) out.push(db.select().from(todos).where(gt(todos.rank, 90 - i)).toNode())
  for (let i = 0; i < 2; i++) out.push(db.select().from(todos).orderBy(i === 0 ? todos.id : desc(todos.updatedAt)).toNode())
  return out
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor((sorted.length * p) / 100))] ?? Number.NaN
}

/** Wall and CPU milliseconds of `fn`. */
function timed(fn: () => void): { wall: number; cpu: number } {
  const cpu0 = process.cpuUsage()
  const t0 = performance.now()
  fn()
  const wall = performance.now() - t0
  const cpu = process.cpuUsage(cpu0)
  return { wall, cpu: (cpu.user + cpu.system) / 1000 }
}

function summary(samples: { wall: number; cpu: number }[]): string {
  const wall = samples.map((s) => s.wall)
  const cpu = samples.map((s) => s.cpu)
  return `p50 ${ms(percentile(wall, 50))}, p99 ${ms(percentile(wall, 99))} (CPU p50 ${ms(percentile(cpu, 50))}, p99 ${ms(percentile(cpu, 99))})`
}

function ms(value: number): string {
  return `${value.toFixed(3)} ms`
}

const view = new ViewFixture()
let clock = 1
for (let n = 0; n < ROWS; n++) view.put("todos", todoRow(n, clock++))
for (let u = 0; u < 10; u++) view.put("users", { id: `u${u}`, name: `user ${u}` })
view.take()

const registry = createLiveRegistry({ schema, view, onError: (e) => console.error(e) })
const nodes = queries()
let callbacks = 0
for (const node of nodes) registry.create<Row>(node).subscribe(() => callbacks++)
const cold = timed(() => registry.open())
// Warm figures: the same 20 queries opened again in fresh registries over the same view.
const warm: { wall: number; cpu: number }[] = []
for (let i = 0; i < 8; i++) {
  const again = createLiveRegistry({ schema, view })
  for (const node of nodes) again.create<Row>(node).subscribe(() => {})
  warm.push(timed(() => again.open()))
  again.close()
}
console.log(`open (evaluate 20 queries over ${ROWS} rows): first ${ms(cold.wall)} (CPU ${ms(cold.cpu)}); warm ${summary(warm)}`)

// One changed row: a todo touched now moves to the top of the updatedAt windows.
const touch = (i: number): void => {
  view.put("todos", todoRow((i * 7919) % ROWS, clock++))
}
for (let i = 0; i < 500; i++) {
  touch(i)
  registry.notify(view.take())
}
const single: { wall: number; cpu: number }[] = []
callbacks = 0
for (let i = 0; i < 2000; i++) {
  touch(i)
  const changes = view.take()
  single.push(timed(() => registry.notify(changes)))
}
console.log(`notify, 1 changed row, 20 queries: ${summary(single)}; ${(callbacks / 2000).toFixed(1)} callbacks per notify`)

const full: { wall: number; cpu: number }[] = []
for (let i = 0; i < 30; i++) full.push(timed(() => nodes.forEach((node) => evaluateSelect(schema, node, (name) => view.rows(name)))))
console.log(`full re-evaluation of the 20 queries (evaluateSelect): ${summary(full)}`)

// A rebase-sized change set: 1,000 changed rows plus 100 re-created with equal content.
const rebase: { wall: number; cpu: number }[] = []
for (let round = 0; round < 60; round++) {
  for (let k = 0; k < 1000; k++) view.put("todos", todoRow((round * 1000 + k * 13) % ROWS, clock++))
  for (let k = 0; k < 100; k++) {
    const row = view.get("todos", todoRow((round * 31 + k * 97) % ROWS, 0)["id"] as string)
    if (row !== undefined) view.put("todos", { ...row })
  }
  const changes = view.take()
  const sample = timed(() => registry.notify(changes))
  if (round >= 10) rebase.push(sample)
}
console.log(`notify, 1,100 ids, 20 queries: ${summary(rebase)}`)

const joinNode = db.select().from(todos).innerJoin(users, eq(todos.ownerId, users.id)).where(eq(todos.done, false)).orderBy(desc(todos.updatedAt)).limit(20).toNode()
const countNode = db.select({ owner: todos.ownerId, n: count() }).from(todos).groupBy(todos.ownerId).toNode()
for (const [name, node] of [
  ["aggregate (count by owner)", countNode],
  ["join todos × users", joinNode],
] as const) {
  const other = createLiveRegistry({ schema, view })
  other.create<Row>(node).subscribe(() => {})
  other.open()
  const times: { wall: number; cpu: number }[] = []
  for (let i = 0; i < 20; i++) {
    view.put("todos", todoRow(i, clock++))
    const changes = view.take()
    times.push(timed(() => other.notify(changes)))
  }
  console.log(`notify, 1 changed row, one ${name} query (full re-evaluation): ${summary(times)}`)
  other.close()
}
