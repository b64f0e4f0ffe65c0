/**
 * One simulated tab: a REAL `createPlasmaClient` over fake-indexeddb, sharing its database and
 * group with the group's other tabs (Node's real BroadcastChannel between them; no Web Locks in
 * Node, so every tab leads itself). It never starts the sync loop: the driver calls
 * `pushOnce`/`pullOnce` itself, so nothing runs on a wall-clock timer. Its two live queries feed
 * the observation checker.
 */
import "fake-indexeddb/auto"
import { createPlasmaClient, type PlasmaClient } from "@plasma/client"
import { eq } from "@plasma/core"
import type { ObservationChecker } from "./observation-checker.js"
import { ENDPOINT, SCHEMA_VERSION, USER_HEADER } from "./sim-server.js"
import type { SimNetwork } from "./sim-network.js"
import { counters, items, mutators, schema, type SimCtx, type SimSchema } from "./world-schema.js"

export interface SimGroup {
  readonly index: number
  readonly groupID: string
  readonly user: string
  readonly dbName: string
}

export type SimClient = PlasmaClient<SimSchema, typeof mutators>

export interface SimTab {
  readonly key: string
  readonly group: SimGroup
  readonly client: SimClient
  /** Sync failures the client reported (after its retries). */
  readonly errors: string[]
  close(): Promise<void>
}

export interface OpenTabOptions {
  readonly key: string
  readonly group: SimGroup
  readonly network: SimNetwork
  readonly checker: ObservationChecker
  /** Deterministic randomness for backoff jitter. */
  readonly random: () => number
}

/** Opens a tab and waits until its live queries delivered their first result. */
export async function openSimTab({ key, group, network, checker, random }: OpenTabOptions): Promise<SimTab> {
  const errors: string[] = []
  const client: SimClient = createPlasmaClient<SimSchema, typeof mutators, SimCtx>({
    schema,
    mutators,
    schemaVersion: SCHEMA_VERSION,
    dbName: group.dbName,
    endpoint: ENDPOINT,
    clientGroupID: group.groupID,
    getContext: () => ({ userId: group.user }),
    authHeaders: () => ({ [USER_HEADER]: group.user }),
    fetcher: network.fetcherFor(key),
    retry: { maxAttempts: 2, initialDelayMs: 0, maxDelayMs: 0 },
    pollIntervalMs: 0,
    locks: null,
    clock: { random, setTimeout: (fn: () => void) => setImmediate(fn), clearTimeout: (handle: unknown) => clearImmediate(handle as NodeJS.Immediate) },
    onError: (error) => errors.push(`${error.kind}${error.code === undefined ? "" : `/${error.code}`}: ${error.message}`),
  })
  const observed = { key, groupID: group.groupID, user: group.user }
  const counter = client.db.select().from(counters).where(eq(counters.id, "c0")).live()
  const visible = client.db.select().from(items).live()
  const stops = [
    counter.subscribe((rows) => checker.checkCounter(observed, "c0", rows[0]?.value ?? 0)),
    visible.subscribe((rows) => checker.checkItems(observed, new Set(rows.map((r) => r.id)))),
  ]
  await counter.whenReady()
  await visible.whenReady()
  return {
    key,
    group,
    client,
    errors,
    close: async () => {
      for (const stop of stops) stop()
      await client.close()
    },
  }
}
