/**
 * Everything a sync route needs, resolved once by `createSyncHandler` from its options: the
 * app (schema, mutators, executor, schema version), `auth`, the limits with their defaults
 * applied, and the host's hooks made safe to call.
 */
import type { AnySchema, MutatorMap, pullRequestSchema } from "@plasma/core"
import type { SqlExecutor } from "@plasma/executors"
import type { SyncBlobHandler } from "../blob-handler.js"
import type { SyncPokeOptions } from "../coordinator-poke.js"
import type { SyncAuth } from "../create-sync-handler.js"
import type { PushedEvent } from "../events.js"
import type { SyncHooks } from "../sync-hooks.js"

/** The resolved options every route reads. */
export interface RouteContext<Ctx> {
  readonly schema: AnySchema
  readonly mutators: MutatorMap
  readonly executor: SqlExecutor
  readonly schemaVersion: string
  readonly auth: SyncAuth<Ctx>
  readonly hooks: SyncHooks<Ctx>
  readonly onPushed: ((event: PushedEvent<Ctx>) => void | Promise<void>) | undefined
  readonly waitUntil: ((promise: Promise<unknown>) => void) | undefined
  readonly maxMutationsPerPush: number
  readonly maxPayloadBytes: number
  readonly defaultPullLimit: number
  readonly pullSchema: ReturnType<typeof pullRequestSchema>
  readonly maxPullLimit: number
  readonly blobs: SyncBlobHandler | undefined
  readonly poke: SyncPokeOptions<Ctx> | undefined
}
