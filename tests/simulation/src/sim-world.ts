/**
 * The simulated world and its step interpreter: three users, four client groups (one user has
 * two devices), a few tabs per group, one server, one network. `step(action)` runs one
 * `SimAction` to completion; nothing else runs meanwhile, so a run is a function of its steps.
 *
 * Rules that keep any sub-list of steps meaningful (shrinking drops steps freely):
 * - indices are taken modulo what exists; a step with nothing to act on does nothing;
 * - ids and tags come from one counter in step order, never from randomness;
 * - a group never loses its last tab for good: `quiesce` reopens one for every group, so work a
 *   closed tab left in the outbox is pushed by the next tab of its group.
 */
import { compactChangeLog, createServerDb } from "@plasma/server"
import * as serverModule from "@plasma/server"
import { gcOrphanedBlobs } from "@plasma/blobs"
import { invokeMutator } from "@plasma/core"
import type { MutationKind, SimAction, ServerOp } from "./sim-action.js"
import { IssuedLog } from "./issued-log.js"
import { ObservationChecker } from "./observation-checker.js"
import { checkQuiescentState } from "./quiescent-checks.js"
import { ServerHistory } from "./server-history.js"
import { SimNetwork } from "./sim-network.js"
import { startSimServer, type EngineMode, type SimServer } from "./sim-server.js"
import { openSimTab, type SimGroup, type SimTab } from "./sim-tab.js"
import { COUNTER_IDS, items, mutators, schema, type SimCtx } from "./world-schema.js"

/** A broken invariant: the run fails with this message. */
export class SimViolation extends Error {
  override readonly name = "SimViolation"
}

const GROUP_USERS = ["ann", "ann", "bob", "cy"] as const
const MAX_OPEN_TABS = 8
const ONE_DAY_MS = 24 * 60 * 60 * 1000
/** Event-loop turns with no tab syncing before a step counts as settled, and the most turns to wait. */
const SETTLE_QUIET_TURNS = 8
const SETTLE_MAX_TURNS = 200_000
/** Rounds of push-then-pull over every tab before a quiescent point gives up on draining. */
const QUIESCE_ROUNDS = 6

/** The optional op H2 adds to `@plasma/server`; used once it exists. */
type PruneClients = (options: { executor: SimServer["executor"]; inactiveForMs: number; now: number }) => Promise<unknown>

/** What a run did, for the summary. */
export interface SimStats {
  steps: number
  mutations: number
  quiescentPoints: number
  observations: number
  serverOps: Record<ServerOp, number>
  faults: Record<string, number>
  poisoned: number
  /** Poisoned mutations by "mutator: error code". */
  poisonReasons: Record<string, number>
}

let worldCounter = 0

export class SimWorld {
  readonly server: SimServer
  readonly network: SimNetwork
  readonly history: ServerHistory
  readonly issued = new IssuedLog()
  readonly checker: ObservationChecker
  readonly groups: SimGroup[]
  readonly tabs: SimTab[] = []
  /** The highest `safeUpToVersion` compaction used: snapshots at or above it must be exact. */
  floor = 0
  readonly stats: SimStats
  #seq = 0
  #rng: number

  private constructor(server: SimServer, seed: number) {
    this.server = server
    this.history = new ServerHistory(server.executor)
    this.network = new SimNetwork(server.handler, () => this.history.record())
    this.checker = new ObservationChecker(this.history, this.issued)
    const run = `${process.pid}-${++worldCounter}`
    this.groups = GROUP_USERS.map((user, index) => ({ index, user, groupID: `g${index}-${user}-${run}`, dbName: `sim-${run}-g${index}` }))
    this.#rng = seed >>> 0 || 1
    this.stats = {
      steps: 0,
      mutations: 0,
      quiescentPoints: 0,
      observations: 0,
      serverOps: { compact: 0, compactPruneTombstones: 0, pruneClients: 0, gcOrphanedBlobs: 0, invokeIncrement: 0, invokeRename: 0 },
      faults: this.network.counts,
      poisoned: 0,
      poisonReasons: {},
    }
  }

  /** A world on a fresh server, one tab per group plus a second tab in the first group. */
  static async create(mode: EngineMode, seed = 1): Promise<SimWorld> {
    const world = new SimWorld(await startSimServer(mode), seed)
    for (const group of world.groups) await world.#openTab(group)
    await world.#openTab(world.groups[0] as SimGroup)
    return world
  }

  /** Runs one step, then checks the observations made during it. */
  async step(action: SimAction): Promise<void> {
    this.stats.steps++
    this.network.setPlan([])
    switch (action.t) {
      case "mutate":
        await this.#mutate(action.tab, action.kind, action.pick, action.by)
        break
      case "push":
      case "pull": {
        const tab = this.#tab(action.tab)
        if (tab === undefined) break
        this.network.setPlan(action.faults)
        await (action.t === "push" ? tab.client.pushOnce() : tab.client.pullOnce()).catch(() => undefined)
        this.network.setPlan([])
        break
      }
      case "deliver":
        await this.network.deliverHeld(action.pick)
        break
      case "offline":
      case "online": {
        const tab = this.#tab(action.tab)
        if (tab !== undefined) this.network.setOffline(tab.key, action.t === "offline")
        break
      }
      case "closeTab": {
        const tab = this.#tab(action.tab)
        if (tab === undefined) break
        this.tabs.splice(this.tabs.indexOf(tab), 1)
        await tab.close()
        break
      }
      case "openTab":
        if (this.tabs.length < MAX_OPEN_TABS) await this.#openTab(this.groups[action.group % this.groups.length] as SimGroup)
        break
      case "server":
        await this.#serverOp(action.op, action.pick, action.fraction)
        break
      case "quiesce":
        await this.quiesce()
        break
    }
    await settle(this.tabs)
    this.#throwViolations()
  }

  /**
   * Brings the world to a quiescent point (every group has an open tab, all online, every
   * outbox drained, every tab pulled after the last push) and checks every invariant there.
   */
  async quiesce(): Promise<void> {
    this.stats.quiescentPoints++
    this.network.setPlan([])
    for (const group of this.groups) if (!this.tabs.some((t) => t.group === group)) await this.#openTab(group)
    for (const tab of this.tabs) this.network.setOffline(tab.key, false)
    for (let round = 0; round < QUIESCE_ROUNDS; round++) {
      for (const tab of this.tabs) await tab.client.pushOnce().catch(() => undefined)
      for (const tab of this.tabs) await tab.client.pullOnce().catch(() => undefined)
      await settle(this.tabs)
      if (this.tabs.every((t) => t.client.status.get().outboxDepth === 0)) break
    }
    for (const tab of this.tabs) await tab.client.pullOnce().catch(() => undefined)
    await settle(this.tabs)
    this.#throwViolations()
    const problems = await checkQuiescentState(this)
    if (problems.length > 0) throw new SimViolation(`at quiescent point ${this.stats.quiescentPoints} (step ${this.stats.steps}):\n  ${problems.join("\n  ")}`)
  }

  /** Closes every tab and the server. */
  async close(): Promise<void> {
    for (const tab of this.tabs.splice(0)) await tab.close().catch(() => undefined)
    await this.server.close()
    this.stats.observations = this.checker.observations
    this.stats.poisoned = this.server.poisoned.count
    this.stats.poisonReasons = Object.fromEntries(this.server.poisoned.reasons)
  }

  async #openTab(group: SimGroup): Promise<SimTab> {
    const tab = await openSimTab({ key: `t${++this.#seq}`, group, network: this.network, checker: this.checker, random: () => this.#random() })
    this.tabs.push(tab)
    return tab
  }

  #tab(index: number): SimTab | undefined {
    return this.tabs.length === 0 ? undefined : this.tabs[index % this.tabs.length]
  }

  /** xorshift32: backoff jitter only; every choice that matters comes from the steps. */
  #random(): number {
    let x = this.#rng
    x ^= x << 13
    x ^= x >>> 17
    x ^= x << 5
    this.#rng = x >>> 0
    return this.#rng / 0x1_0000_0000
  }

  async #mutate(tabIndex: number, kind: MutationKind, pick: number, by: number): Promise<void> {
    const tab = this.#tab(tabIndex)
    if (tab === undefined) return
    const n = ++this.#seq
    const tag = `m${n}`
    const mine = (await tab.client.db.select().from(items)).filter((r) => r.ownerId === tab.group.user && r.title !== "poison").map((r) => r.id).sort()
    const target = mine.length === 0 ? undefined : mine[pick % mine.length]
    let issue: { name: string; args: Record<string, unknown>; target: string; by?: number }
    if (kind === "increment") issue = { name: "increment", args: { id: COUNTER_IDS[pick % COUNTER_IDS.length], by, tag }, target: COUNTER_IDS[pick % COUNTER_IDS.length] as string, by }
    else if (kind === "poisonItem") issue = { name: "poisonItem", args: { id: `p${n}`, tag }, target: `p${n}` }
    else if (kind === "addItem" || target === undefined) issue = { name: "addItem", args: { id: `i${n}`, title: `item ${n}`, tag }, target: `i${n}` }
    else if (kind === "renameItem") issue = { name: "renameItem", args: { id: target, title: `renamed ${n}`, tag }, target }
    else if (kind === "shareItem") issue = { name: "shareItem", args: { id: target, shared: by !== 2, tag }, target }
    else if (kind === "deleteItem") issue = { name: "deleteItem", args: { id: target, tag }, target }
    else if (kind === "addNote") issue = { name: "addNote", args: { id: `n${n}`, itemId: target, body: `note ${n}`, tag }, target }
    else if (kind === "detachFile") issue = { name: "attachFile", args: { id: target, file: null, tag }, target }
    // A few distinct contents, so users upload the same bytes too (dedup, proof of possession).
    else issue = { name: "attachFile", args: { id: target, file: new Blob([`file content ${pick % 5}`], { type: "text/plain" }), tag }, target }
    const issued = { tag, kind: issue.name === "addItem" ? ("addItem" as const) : kind, groupID: tab.group.groupID, tabKey: tab.key, target: issue.target, by: issue.by ?? 0, certain: false }
    this.issued.add(issued)
    try {
      await (tab.client.mutate as (name: string, args: unknown) => Promise<void>)(issue.name, issue.args)
      issued.certain = true
      this.stats.mutations++
    } catch {
      this.issued.remove(tag)
    }
  }

  async #serverOp(op: ServerOp, pick: number, fraction: number): Promise<void> {
    this.stats.serverOps[op]++
    const { executor, storage } = this.server
    const bound = Math.floor(fraction * this.history.head)
    if (op === "compact" || op === "compactPruneTombstones") {
      await compactChangeLog({ executor, safeUpToVersion: bound, ...(op === "compactPruneTombstones" ? { pruneTombstonesUpTo: bound } : {}) })
      this.floor = Math.max(this.floor, bound)
    } else if (op === "gcOrphanedBlobs") {
      // No grace window: an upload not yet attached may go, and its attach is then refused.
      await gcOrphanedBlobs({ executor, storage, minOrphanAgeMs: 0, limit: 100, now: Date.now() + 1000 })
    } else if (op === "pruneClients") {
      const pruneClients = (serverModule as Record<string, unknown>).pruneClients as PruneClients | undefined
      if (pruneClients === undefined) return
      // Pruning forgets clients' mutation ids; it is only safe for clients with nothing in
      // flight, so the operator's contract is honoured: prune at a quiescent point.
      await this.quiesce()
      // A request still in flight a day later has long timed out: pruning forgets the mutation
      // ids that made a late duplicate harmless, so a world that delivered one after it would
      // break the operator's contract, not plasma's (prune-clients.ts).
      this.network.dropHeld()
      // Its window is at least a day: prune as if a day passed with everyone idle.
      await pruneClients({ executor, inactiveForMs: ONE_DAY_MS, now: Date.now() + ONE_DAY_MS + 1000 })
    } else {
      const ctx: SimCtx = { userId: "system", system: true, server: true }
      const db = createServerDb({ schema, executor, ctx })
      const tag = `s${++this.#seq}`
      if (op === "invokeIncrement") {
        const id = COUNTER_IDS[pick % COUNTER_IDS.length] as string
        await invokeMutator(mutators, "increment", { db, args: { id, by: 1, tag }, ctx, clientID: "system", mutationID: 0 })
        this.issued.serverIncrements.set(id, (this.issued.serverIncrements.get(id) ?? 0) + 1)
      } else {
        const ids = [...(this.history.stateAt(this.history.head).get("items")?.keys() ?? [])].sort()
        const id = ids[pick % Math.max(1, ids.length)]
        if (id !== undefined) await invokeMutator(mutators, "renameItem", { db, args: { id, title: `server ${tag}`, tag }, ctx, clientID: "system", mutationID: 0 })
      }
    }
    await this.history.record()
  }

  #throwViolations(): void {
    if (this.checker.violations.length > 0) throw new SimViolation(`impossible state observed (step ${this.stats.steps}):\n  ${this.checker.violations.slice(0, 5).join("\n  ")}`)
  }
}

/**
 * Lets BroadcastChannel messages, IndexedDB callbacks and the syncs they start run to the end
 * (a sibling's queued mutation makes a leading tab push in the background), so the next step
 * starts from a settled world. Turns the event loop; never waits on the wall clock. Bounded.
 */
async function settle(tabs: readonly SimTab[]): Promise<void> {
  let quiet = 0
  for (let turns = 0; turns < SETTLE_MAX_TURNS && quiet < SETTLE_QUIET_TURNS; turns++) {
    await new Promise((resolve) => setImmediate(resolve))
    quiet = tabs.some((t) => t.client.status.get().syncing) ? 0 : quiet + 1
  }
}
