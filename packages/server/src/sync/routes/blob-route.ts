/**
 * `PUT|GET {basePath}/blob/:hash` (SPEC §10), served when the handler has a `blobs` option:
 * `auth` first, then the tables are ensured (the blob routes read and write `_plasma_blobs`, and
 * a fresh database must not answer 500), the client group's owner checked (403 `forbidden`),
 * then the request goes to the blob package's handler with `auth`'s `userID`; it checks the
 * hash and measures itself (`blob-put` / `blob-get` metrics).
 */
import type { AuthContext } from "@plasma/core"
import { ensureSchema } from "../../schema/migrations.js"
import type { SyncBlobHandler } from "../blob-handler.js"
import { checkGroupOwner } from "../client-group-owner.js"
import { authenticate } from "../identity.js"
import type { RouteAnswer } from "../route-table.js"
import type { RouteContext } from "./route-context.js"

/**
 * Answers one blob request; `hash` is the path segment exactly as sent.
 * @example
 * const { response } = await handleBlob(context, blobs, request, hash)
 */
export async function handleBlob<Ctx>(context: RouteContext<Ctx>, blobs: SyncBlobHandler, request: Request, hash: string): Promise<RouteAnswer> {
  const { schema, executor, hooks } = context
  const who = await authenticate(context.auth, request)
  await ensureSchema({ schema, executor })
  await checkGroupOwner(executor, who)
  const response = await blobs.handle(request, {
    schema,
    executor,
    // The blob package runs the tables' read predicates with it, as the pull does.
    ctx: who.ctx as unknown as AuthContext,
    clientGroupID: who.clientGroupID,
    clientID: who.clientID,
    userID: who.userID,
    hash,
    waitUntil: hooks.later,
    onMetric: hooks.metric,
    onError: (event) => hooks.report({ ...event, ctx: who.ctx }),
  })
  return { response }
}
