/**
 * The sync scenarios (SPEC §8: push, pull, exactly once, read predicates, resets, poison, …)
 * against a real PostgreSQL server: `createSyncHandler` in-process over `fromPostgres`, two
 * handlers over two pools on one schema (like two isolates). Skips with one message when
 * `PLASMA_PG_URL` is unset; never under CI.
 */
import { createPostgres, POSTGRES_SKIP_MESSAGE, postgresTestUrl } from "@plasma/executors/testing"
import { fromPostgres } from "@plasma/executors/postgres"
import type { SqlExecutor } from "@plasma/executors"
import { describe } from "vitest"
import { mutators, schema, SCHEMA_VERSION, testAuth } from "../tests/sync-worker/app.js"
import { describeSyncScenarios, type HookEvent, type SyncSubject } from "../tests/sync-worker/sync-scenarios.js"
import { createSyncHandler } from "./create-sync-handler.js"

function describeError(error: unknown): unknown {
  return error instanceof Error ? { name: error.name, message: error.message, code: (error as { code?: unknown }).code } : String(error)
}

async function postgresSubject(): Promise<SyncSubject> {
  const fixture = await createPostgres()
  const events: HookEvent[] = []
  const make = (executor: SqlExecutor) =>
    createSyncHandler({
      schema,
      mutators,
      executor,
      schemaVersion: SCHEMA_VERSION,
      auth: testAuth,
      onPushed: (event) => {
        events.push({ type: "pushed", clientGroupID: event.clientGroupID, clientID: event.clientID })
        if (event.ctx.failPushed === true) throw new Error("poke failed")
      },
      onError: (event) => events.push({ type: "error", kind: event.kind, error: describeError(event.error), mutation: event.mutation }),
      onMetric: (metric) => events.push({ type: "metric", ...metric }),
    })
  const handlers = { a: make(fixture.executor), b: make(fromPostgres(fixture.newPool())) }
  return {
    send: (request) => (request.headers.get("x-handler") === "b" ? handlers.b : handlers.a)(request),
    rawQuery: (sql, params = []) => fixture.executor.all({ text: sql, params }),
    events: async () => events.splice(0),
    dispose: () => fixture.dispose(),
  }
}

if (postgresTestUrl() === null) {
  console.warn(POSTGRES_SKIP_MESSAGE)
  describe.skip("sync scenarios on PostgreSQL", () => {})
} else {
  describeSyncScenarios("PostgreSQL (in-process)", postgresSubject)
}
