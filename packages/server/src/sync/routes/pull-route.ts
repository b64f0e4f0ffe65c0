/**
 * `GET {basePath}/pull` (SPEC §8): `auth`, the query validated (400 `invalid-request` or
 * `protocol-mismatch`, a malformed cookie included), its schema version and ids checked, then
 * the client group claimed for `auth`'s `userID` or refused (403 `forbidden`), then
 * one page of `pullChanges` (`limit` defaults to `defaultPullLimit`, at most `maxPullLimit`),
 * answered as the JSON text `pullChanges` built.
 */
import { parsePullRequest } from "@plasma/core"
import { ensureSchema } from "../../schema/migrations.js"
import { jsonText } from "../http.js"
import { checkGroupOwner } from "../client-group-owner.js"
import { authenticate, checkIdentity } from "../identity.js"
import { pullChanges } from "../pull.js"
import type { RouteAnswer } from "../route-table.js"
import type { RouteContext } from "./route-context.js"

/**
 * Answers one pull request.
 * @example
 * const { response } = await handlePull(context, request, new URL(request.url))
 */
export async function handlePull<Ctx>(context: RouteContext<Ctx>, request: Request, url: URL): Promise<RouteAnswer> {
  const { schema, executor } = context
  const who = await authenticate(context.auth, request)
  const query = parsePullRequest(url.searchParams, context.maxPullLimit, context.pullSchema)
  checkIdentity("pull", query, who, context.schemaVersion)
  await ensureSchema({ schema, executor })
  await checkGroupOwner(executor, who)
  const page = await pullChanges({
    schema,
    executor,
    ctx: who.ctx,
    clientGroupID: who.clientGroupID,
    clientID: who.clientID,
    cookie: query.cookie ?? null,
    limit: query.limit ?? context.defaultPullLimit,
  })
  const counts: Record<string, number | boolean> = { changes: page.changes, hasMore: page.hasMore }
  if (page.reset === true) counts.reset = true
  return { response: jsonText(200, page.body), counts }
}
