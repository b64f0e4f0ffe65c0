/**
 * A REAL plasma loop for the hook tests: `createSyncHandler` (with blob routes over memory
 * storage) on an in-memory better-sqlite3 database, and real clients (storage "memory") whose `fetcher` calls the handler in-process.
 */
import Database from "better-sqlite3"
import { blobRoutes, memoryStorage } from "@plasma/blobs"
import { createPlasmaClient, type LiveQuery, type PlasmaClient } from "@plasma/client"
import { fromBetterSqlite3 } from "@plasma/executors/better-sqlite3"
import { createServerDb, createSyncHandler } from "@plasma/server"
import type { ReactNode } from "react"
import { PlasmaProvider } from "../plasma-provider.js"
import { mutators, schema, SCHEMA_VERSION, type TestCtx } from "./fixture.js"

export type TestClient = PlasmaClient<typeof schema, typeof mutators>

/** A server and the clients made against it; `dispose()` closes everything. */
export interface TestLoop {
  readonly client: (options?: { readonly clientGroupID?: string }) => TestClient
  /** A server-side db (writes are logged and reach clients on their next pull). */
  readonly serverDb: ReturnType<typeof createServerDb<typeof schema>>
  dispose(): Promise<void>
}

let counter = 0

export function createTestLoop(): TestLoop {
  const database = new Database(":memory:")
  const executor = fromBetterSqlite3(database)
  const handler = createSyncHandler({
    schema,
    mutators,
    executor,
    schemaVersion: SCHEMA_VERSION,
    blobs: blobRoutes({ storage: memoryStorage() }),
    auth: (request: Request) => ({
      ok: true as const,
      clientGroupID: request.headers.get("x-plasma-client-group") ?? "",
      clientID: request.headers.get("x-plasma-client") ?? "",
      ctx: { userId: "ann" } satisfies TestCtx,
    }),
  })
  const clients: TestClient[] = []
  return {
    client(options = {}) {
      const client = createPlasmaClient({
        schema,
        mutators,
        schemaVersion: SCHEMA_VERSION,
        dbName: `react-test-${++counter}`,
        endpoint: "http://plasma.test/sync",
        clientGroupID: options.clientGroupID ?? `g-${counter}`,
        getContext: () => ({ userId: "ann" }),
        storage: "memory",
        fetcher: (request) => handler(request),
        pollIntervalMs: 0,
        locks: null,
        BroadcastChannel: null,
      })
      clients.push(client)
      return client
    },
    serverDb: createServerDb({ schema, executor, ctx: { userId: "ann" } }),
    async dispose() {
      for (const client of clients) await client.close()
      database.close()
    },
  }
}

/** Wraps the client in a provider (for `render(ui, { wrapper })`). */
export function providerFor(client: TestClient): (props: { children?: ReactNode }) => ReactNode {
  return ({ children }) => <PlasmaProvider client={client}>{children}</PlasmaProvider>
}

/**
 * The real live query, with its subscriptions counted: how a test sees that a component
 * unsubscribed. Everything else goes straight to the real query.
 */
export function countSubscriptions<R>(live: LiveQuery<R>, counts: { active: number; total: number }): LiveQuery<R> {
  return {
    get ast() {
      return live.ast
    },
    get current() {
      return live.current
    },
    subscribe(listener) {
      counts.active++
      counts.total++
      const unsubscribe = live.subscribe(listener)
      let done = false
      return () => {
        if (done) return
        done = true
        counts.active--
        unsubscribe()
      }
    },
    subscribeDelta: (listener) => live.subscribeDelta(listener),
    whenReady: () => live.whenReady(),
  }
}
