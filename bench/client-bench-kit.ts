/**
 * @module What `client-mutate` and `client-rebase` share: one `items` table, 10,000 seeded rows,
 * 20 live-query shapes written once as data (and lowered both to plasma's query builder and to
 * the JavaScript a Replicache app writes in `rep.subscribe`), the mutators on both sides, and the
 * Replicache 15 peer itself (memory store, `TEST_LICENSE_KEY`, an in-process puller and a pusher
 * that never succeeds). Replicache 15 runs on Node 20 as it is: no browser global was missing.
 *
 * The peer does the same app-level work as plasma: the same rows, the same 20 results kept live,
 * the same mutations. Where a query filters on one equal value of `owner` or `status`, the peer
 * scans a Replicache index (as an idiomatic Replicache app would); other queries scan the
 * `item/` prefix and filter, sort and slice in JavaScript, which is all Replicache offers.
 */
import { Replicache, TEST_LICENSE_KEY, type PullerResult, type PullResponseV1, type ReadTransaction, type WriteTransaction } from "replicache"
import { createPlasmaClient } from "../packages/client/dist/index.js"
import {
  and,
  asc,
  boolean,
  defineMutators,
  defineSchema,
  desc,
  encodeCookie,
  eq,
  gt,
  gte,
  id,
  inArray,
  int,
  like,
  lt,
  lte,
  ne,
  real,
  table,
  text,
  type Condition,
  type InferRow,
  type MutatorInput,
} from "../packages/core/dist/index.js"

// ---------------------------------------------------------------------------------------------
// Data

export const ROWS = 10_000
export const OWNERS = 20
export const STATUSES = ["open", "doing", "closed"] as const

export const items = table("items", {
  id: id(),
  title: text(),
  status: text(),
  priority: int(),
  owner: text(),
  score: real(),
  done: boolean().default(false),
  updatedAt: int(),
})
export const schema = defineSchema({ items })
export type Item = InferRow<typeof items>

/** A small deterministic PRNG (mulberry32), so both peers see identical data and mutations. */
export function createRandom(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

export const itemId = (n: number): string => `i${String(n).padStart(6, "0")}`
export const ownerOf = (n: number): string => `u${String(n % OWNERS).padStart(2, "0")}`

/** Row `n` of the seed: every field varied so each of the 20 queries holds a real window. */
export function seedItem(n: number, random: () => number): Item {
  return {
    id: itemId(n),
    title: `item ${n} ${Math.floor(random() * 1000)}`,
    status: STATUSES[n % STATUSES.length] ?? "open",
    priority: Math.floor(random() * 10),
    owner: ownerOf(n),
    score: Math.round(random() * 1_000_000) / 1_000_000,
    done: random() < 0.3,
    updatedAt: 1_000_000 + n,
  }
}

export function seedItems(count = ROWS, seed = 11): Item[] {
  const random = createRandom(seed)
  return Array.from({ length: count }, (_, n) => seedItem(n, random))
}

// ---------------------------------------------------------------------------------------------
// Mutators (plasma side: the shared-module shape an app writes)

export interface UpdateItemArgs {
  readonly id: string
  readonly priority: number
  readonly done: boolean
  readonly score: number
  readonly updatedAt: number
}

type Input<Args> = MutatorInput<typeof schema, Record<string, unknown>, Args>

export const mutators = defineMutators<typeof schema, Record<string, unknown>>()({
  addItem: async ({ db, args }: Input<Item>) => {
    await db.insert(items).values(args)
  },
  updateItem: async ({ db, args }: Input<UpdateItemArgs>) => {
    const { id: itemKey, ...patch } = args
    await db.update(items).set(patch).where(eq(items.id, itemKey))
  },
})

/** One step of a mutation workload, replayed identically on both peers. */
export type BenchMutation = { readonly name: "addItem"; readonly args: Item } | { readonly name: "updateItem"; readonly args: UpdateItemArgs }

/**
 * `count` mutations over the seed: two updates of an existing row for every insert. Each one
 * carries the newest `updatedAt`, so the first query ("recent 50") changes every time and serves
 * as the sentinel whose callback ends a measurement.
 */
export function mutationSequence(count: number, options: { seed?: number; firstUpdatedAt?: number; idPrefix?: string; updateIdsBelow?: number } = {}): BenchMutation[] {
  const random = createRandom(options.seed ?? 7)
  const first = options.firstUpdatedAt ?? 5_000_000
  const below = options.updateIdsBelow ?? ROWS
  const out: BenchMutation[] = []
  for (let i = 0; i < count; i++) {
    const updatedAt = first + i
    if (i % 3 === 2) {
      const row = seedItem(ROWS + i, random)
      out.push({ name: "addItem", args: { ...row, id: `${options.idPrefix ?? "n"}${i}`, updatedAt } })
    } else {
      out.push({
        name: "updateItem",
        args: { id: itemId(Math.floor(random() * below)), priority: Math.floor(random() * 10), done: random() < 0.5, score: Math.round(random() * 1_000_000) / 1_000_000, updatedAt },
      })
    }
  }
  return out
}

// ---------------------------------------------------------------------------------------------
// The 20 live queries, as data

type Field = Exclude<keyof Item, never>
type Cond =
  | { readonly field: Field; readonly op: "eq" | "ne" | "gt" | "gte" | "lt" | "lte"; readonly value: string | number | boolean }
  | { readonly field: Field; readonly op: "in"; readonly value: readonly string[] }
  | { readonly field: Field; readonly op: "like"; readonly value: string }

/** A live query shape: conditions ANDed, an ordering (ties by id ascending), limit and offset. */
export interface QuerySpec {
  readonly name: string
  readonly where: readonly Cond[]
  readonly orderBy: readonly (readonly [Field, "asc" | "desc"])[]
  readonly limit?: number
  readonly offset?: number
  /** Replicache only: scan this index with the value of the `eq` condition on its field. */
  readonly index?: "byOwner" | "byStatus"
}

export const QUERY_SPECS: readonly QuerySpec[] = [
  { name: "recent-50", where: [], orderBy: [["updatedAt", "desc"]], limit: 50 },
  { name: "open-recent-20", where: [{ field: "done", op: "eq", value: false }], orderBy: [["updatedAt", "desc"]], limit: 20 },
  { name: "high-priority", where: [{ field: "priority", op: "gte", value: 8 }], orderBy: [["priority", "desc"], ["updatedAt", "desc"]], limit: 25 },
  { name: "owner03-by-title", where: [{ field: "owner", op: "eq", value: "u03" }], orderBy: [["title", "asc"]], limit: 25, index: "byOwner" },
  { name: "owner07-all", where: [{ field: "owner", op: "eq", value: "u07" }], orderBy: [], index: "byOwner" },
  { name: "open-by-score", where: [{ field: "status", op: "eq", value: "open" }], orderBy: [["score", "desc"]], limit: 30, index: "byStatus" },
  { name: "closed-oldest", where: [{ field: "status", op: "eq", value: "closed" }], orderBy: [["updatedAt", "asc"]], limit: 15, index: "byStatus" },
  { name: "done-low-priority", where: [{ field: "done", op: "eq", value: true }, { field: "priority", op: "lt", value: 3 }], orderBy: [["updatedAt", "asc"]], limit: 15 },
  { name: "score-band", where: [{ field: "score", op: "gte", value: 0.4 }, { field: "score", op: "lt", value: 0.45 }], orderBy: [["score", "asc"]] },
  { name: "title-like", where: [{ field: "title", op: "like", value: "item 12%" }], orderBy: [["title", "asc"]], limit: 40 },
  { name: "owners-in", where: [{ field: "owner", op: "in", value: ["u01", "u02"] }], orderBy: [["priority", "asc"]], limit: 50 },
  { name: "open-top-score", where: [{ field: "done", op: "eq", value: false }], orderBy: [["score", "desc"]], limit: 10 },
  { name: "priority-5", where: [{ field: "priority", op: "eq", value: 5 }], orderBy: [["id", "asc"]], limit: 100 },
  { name: "top-scores", where: [], orderBy: [["score", "desc"]], limit: 10 },
  { name: "bottom-scores", where: [], orderBy: [["score", "asc"]], limit: 10 },
  { name: "doing-owner11", where: [{ field: "status", op: "eq", value: "doing" }, { field: "owner", op: "eq", value: "u11" }], orderBy: [["updatedAt", "desc"]], limit: 20, index: "byOwner" },
  { name: "not-closed-p9", where: [{ field: "status", op: "ne", value: "closed" }, { field: "priority", op: "eq", value: 9 }], orderBy: [["title", "desc"]], limit: 30 },
  { name: "titles-page-2", where: [], orderBy: [["title", "asc"]], limit: 20, offset: 20 },
  { name: "owner19-done", where: [{ field: "owner", op: "eq", value: "u19" }, { field: "done", op: "eq", value: true }], orderBy: [["score", "asc"]], index: "byOwner" },
  { name: "recent-not-u00", where: [{ field: "owner", op: "ne", value: "u00" }], orderBy: [["updatedAt", "desc"]], limit: 5 },
]

/** The query's condition for plasma's builder. */
export function toPlasmaWhere(spec: QuerySpec): Condition | undefined {
  const conds = spec.where.map((c): Condition => {
    const column = items[c.field]
    switch (c.op) {
      case "eq": return eq(column, c.value)
      case "ne": return ne(column, c.value)
      case "gt": return gt(column, c.value)
      case "gte": return gte(column, c.value)
      case "lt": return lt(column, c.value)
      case "lte": return lte(column, c.value)
      // `in` and `like` are only written on text columns (owner, title) in QUERY_SPECS.
      case "in": return inArray(column as typeof items.owner, [...c.value])
      case "like": return like(column as typeof items.title, c.value)
    }
  })
  if (conds.length === 0) return undefined
  return conds.length === 1 ? conds[0] : and(...conds)
}

/** The ordering terms for plasma's builder. */
export function toPlasmaOrder(spec: QuerySpec): ReturnType<typeof asc>[] {
  return spec.orderBy.map(([field, dir]) => (dir === "asc" ? asc(items[field]) : desc(items[field])))
}

function likeToRegExp(pattern: string): RegExp {
  const body = pattern.replace(/[.*+?^${}()|[\]\\]/g, "\\$&").replace(/%/g, ".*").replace(/_/g, ".")
  return new RegExp(`^${body}$`, "is")
}

/** The same query as plain JavaScript over rows: what a Replicache subscription computes. */
export function toJsQuery(spec: QuerySpec): (rows: readonly Item[]) => Item[] {
  const tests = spec.where.map((c): ((row: Item) => boolean) => {
    const f = c.field
    switch (c.op) {
      case "eq": return (r) => r[f] === c.value
      case "ne": return (r) => r[f] !== c.value
      case "gt": return (r) => (r[f] as number) > (c.value as number)
      case "gte": return (r) => (r[f] as number) >= (c.value as number)
      case "lt": return (r) => (r[f] as number) < (c.value as number)
      case "lte": return (r) => (r[f] as number) <= (c.value as number)
      case "in": { const set = new Set(c.value); return (r) => set.has(r[f] as string) }
      case "like": { const re = likeToRegExp(c.value); return (r) => re.test(String(r[f])) }
    }
  })
  const order = [...spec.orderBy, ["id", "asc"] as const]
  const compare = (a: Item, b: Item): number => {
    for (const [field, dir] of order) {
      const x = a[field]
      const y = b[field]
      if (x === y) continue
      const c = x < y ? -1 : 1
      return dir === "asc" ? c : -c
    }
    return 0
  }
  const start = spec.offset ?? 0
  const end = spec.limit === undefined ? undefined : start + spec.limit
  return (rows) => rows.filter((r) => tests.every((t) => t(r))).sort(compare).slice(start, end)
}

// ---------------------------------------------------------------------------------------------
// The two subjects behind one interface

/** One change of a canned pull, in neutral form (each subject writes it in its own protocol). */
export type BenchPatchOp = { readonly op: "put"; readonly row: Item } | { readonly op: "del"; readonly id: string }

/** A client (plasma or the peer) holding the seed rows, driven identically by the workloads. */
export interface BenchSubject {
  /** Latest result of each live query, by index in QUERY_SPECS. */
  readonly results: (readonly Item[] | undefined)[]
  /** Opens the 20 live queries and resolves once each delivered its first result. */
  openQueries(): Promise<void>
  /** Resolves with the result of query `index` once it satisfies `test` (the current one, else a later delivery). */
  resultWhere(index: number, test: (rows: readonly Item[]) => boolean): Promise<readonly Item[]>
  /**
   * Makes the next pull answer `patch` (serialized up front, as a server would) and starts a pull;
   * resolves with the `performance.now()` at which the "network" handed the answer over.
   */
  pullPatch(patch: readonly BenchPatchOp[]): Promise<number>
  mutate(m: BenchMutation): Promise<void>
  /** Mutations still pending (not confirmed by a pull). */
  pending(): number
  close(): Promise<void>
}

function createWaiters(results: (readonly Item[] | undefined)[]) {
  const waiters: { index: number; test: (rows: readonly Item[]) => boolean; resolve: (rows: readonly Item[]) => void }[] = []
  return {
    deliver(index: number, result: readonly Item[]): void {
      results[index] = result
      for (let i = waiters.length - 1; i >= 0; i--) {
        const w = waiters[i]
        if (w !== undefined && w.index === index && w.test(result)) {
          waiters.splice(i, 1)
          w.resolve(result)
        }
      }
    },
    where: (index: number, test: (rows: readonly Item[]) => boolean): Promise<readonly Item[]> => {
      const current = results[index]
      if (current !== undefined && test(current)) return Promise.resolve(current)
      return new Promise((resolve) => waiters.push({ index, test, resolve }))
    },
  }
}

const PAGE = 1000

// ---------------------------------------------------------------------------------------------
// plasma: @plasma/client on its memory storage, an in-process fetcher serving canned pulls

/**
 * A fresh plasma client hydrated with `rows` through its own pulls (pages of 1,000, as the
 * server's default limit). The loop is never started: pulls happen only when the workload asks,
 * and nothing is pushed, so pending mutations stay pending.
 */
export async function createPlasmaSubject(rows: readonly Item[]): Promise<BenchSubject> {
  let version = 0
  const queued: string[] = []
  let measured: { text: string; handedOver: (at: number) => void } | undefined
  const pageText = (ops: readonly BenchPatchOp[], hasMore: boolean): string => {
    version++
    const patch = ops.map((o) => (o.op === "put" ? { op: "put", table: "items", id: o.row.id, value: o.row } : { op: "del", table: "items", id: o.id }))
    return JSON.stringify({ cookie: encodeCookie(version), patch, lastMutationIDs: {}, hasMore })
  }
  for (let i = 0; i < rows.length; i += PAGE) {
    queued.push(pageText(rows.slice(i, i + PAGE).map((row) => ({ op: "put", row })), i + PAGE < rows.length))
  }
  const fetcher = async (request: Request): Promise<Response> => {
    if (!new URL(request.url).pathname.endsWith("/pull")) return Response.json({ ok: true })
    let text = queued.shift()
    if (text === undefined && measured !== undefined) {
      text = measured.text
      measured.handedOver(performance.now())
      measured = undefined
    }
    text ??= JSON.stringify({ cookie: encodeCookie(version), patch: [], lastMutationIDs: {}, hasMore: false })
    return new Response(text, { status: 200, headers: { "content-type": "application/json" } })
  }
  const client = createPlasmaClient({
    schema,
    mutators,
    schemaVersion: "bench-v1",
    dbName: `bench-${Math.random().toString(36).slice(2)}`,
    endpoint: "http://bench.invalid/sync",
    clientGroupID: "g-bench",
    storage: "memory",
    pollIntervalMs: 0,
    fetcher,
    locks: null,
    BroadcastChannel: null,
  })
  await client.pullOnce()
  const results: (readonly Item[] | undefined)[] = QUERY_SPECS.map(() => undefined)
  const waiters = createWaiters(results)
  return {
    results,
    openQueries: async () => {
      await Promise.all(
        QUERY_SPECS.map((spec, index) => {
          let query = client.db.select().from(items)
          const where = toPlasmaWhere(spec)
          if (where !== undefined) query = query.where(where)
          const order = toPlasmaOrder(spec)
          if (order.length > 0) query = query.orderBy(...order)
          if (spec.limit !== undefined) query = query.limit(spec.limit)
          if (spec.offset !== undefined) query = query.offset(spec.offset)
          const live = query.live()
          live.subscribe((result) => waiters.deliver(index, result))
          return live.whenReady()
        }),
      )
    },
    resultWhere: waiters.where,
    pullPatch: (patch) => {
      const at = new Promise<number>((handedOver) => (measured = { text: pageText(patch, false), handedOver }))
      void client.pullOnce()
      return at
    },
    mutate: (m) => (m.name === "addItem" ? client.mutate("addItem", m.args) : client.mutate("updateItem", m.args)),
    pending: () => client.status.get().outboxDepth,
    close: () => client.close(),
  }
}

// ---------------------------------------------------------------------------------------------
// The Replicache 15 peer

const KEY = (itemKey: string): string => `item/${itemKey}`

const replicacheMutators = {
  async addItem(tx: WriteTransaction, args: Item): Promise<void> {
    await tx.set(KEY(args.id), args)
  },
  async updateItem(tx: WriteTransaction, args: UpdateItemArgs): Promise<void> {
    const row = (await tx.get(KEY(args.id))) as Item | undefined
    if (row === undefined) throw new Error(`updateItem: no item "${args.id}"`)
    const { id: _id, ...patch } = args
    await tx.set(KEY(args.id), { ...row, ...patch })
  },
}

/**
 * A fresh Replicache peer hydrated with `rows` through its puller (one pull, as a real client
 * hydrates). Its pusher never succeeds (its one push never settles): pending mutations stay
 * pending, as in the rebase workload. The puller parses the canned answer
 * from JSON text, as Replicache's default HTTP puller parses the server's response.
 */
export async function createReplicacheSubject(rows: readonly Item[]): Promise<BenchSubject> {
  let cookie = 1
  let next: string | undefined = JSON.stringify({ cookie, lastMutationIDChanges: {}, patch: rows.map((row) => ({ op: "put", key: KEY(row.id), value: row })) })
  let handedOver: ((at: number) => void) | undefined
  let pendingCount = 0
  const rep = new Replicache({
    name: `bench-${Math.random().toString(36).slice(2)}`,
    licenseKey: TEST_LICENSE_KEY,
    kvStore: "mem",
    logLevel: "error",
    pullInterval: null,
    // Pushes soon after the first mutation; that push never settles, so no push loop, retry or
    // backoff timer competes with the measured work (plasma's loop is not started either). A huge
    // `pushDelay` instead leaves a timer that `close()` does not clear and the run never exits.
    pushDelay: 10,
    mutators: replicacheMutators,
    indexes: { byOwner: { prefix: "item/", jsonPointer: "/owner" }, byStatus: { prefix: "item/", jsonPointer: "/status" } },
    puller: async (): Promise<PullerResult> => {
      const text = next ?? JSON.stringify({ cookie, lastMutationIDChanges: {}, patch: [] })
      if (next !== undefined) handedOver?.(performance.now())
      next = undefined
      handedOver = undefined
      return { response: JSON.parse(text) as PullResponseV1, httpRequestInfo: { httpStatusCode: 200, errorMessage: "" } }
    },
    pusher: () => new Promise<never>(() => undefined),
  })
  const results: (readonly Item[] | undefined)[] = QUERY_SPECS.map(() => undefined)
  const waiters = createWaiters(results)
  // Hydration: one counting subscription tells when the first pull landed.
  await new Promise<void>((resolve) => {
    const stop = rep.subscribe(async (tx: ReadTransaction) => (await tx.scan({ prefix: "item/" }).keys().toArray()).length, {
      onData: (n) => {
        if (n !== rows.length) return
        stop()
        resolve()
      },
    })
    void rep.pull({ now: true }).catch(() => undefined)
  })
  return {
    results,
    openQueries: async () => {
      QUERY_SPECS.forEach((spec, index) => {
        const evaluate = toJsQuery(spec)
        const field = spec.index === "byOwner" ? "owner" : "status"
        const eqOn = spec.index === undefined ? undefined : spec.where.find((c) => c.op === "eq" && c.field === field)
        rep.subscribe(
          async (tx: ReadTransaction) => {
            const scanned =
              eqOn === undefined
                ? await tx.scan({ prefix: "item/" }).values().toArray()
                : await tx.scan({ indexName: spec.index, prefix: String(eqOn.value) }).values().toArray()
            return evaluate(scanned as unknown as Item[])
          },
          { onData: (result) => waiters.deliver(index, result) },
        )
      })
      while (results.some((r) => r === undefined)) await new Promise((r) => setTimeout(r, 5))
    },
    resultWhere: waiters.where,
    pullPatch: (patch) => {
      cookie++
      next = JSON.stringify({ cookie, lastMutationIDChanges: {}, patch: patch.map((o) => (o.op === "put" ? { op: "put", key: KEY(o.row.id), value: o.row } : { op: "del", key: KEY(o.id) })) })
      const at = new Promise<number>((resolve) => (handedOver = resolve))
      void rep.pull({ now: true }).catch(() => undefined)
      return at
    },
    mutate: async (m) => {
      if (m.name === "addItem") await rep.mutate.addItem(m.args)
      else await rep.mutate.updateItem(m.args)
      pendingCount++
    },
    pending: () => pendingCount,
    close: () => rep.close(),
  }
}

/** Whether two subjects hold the same 20 results (rows compared as plain data). */
export function sameResults(a: BenchSubject, b: BenchSubject): boolean {
  return JSON.stringify(a.results) === JSON.stringify(b.results)
}
