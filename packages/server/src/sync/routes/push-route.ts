/**
 * `POST {basePath}/push` (SPEC §8). Each step answers before the next one runs:
 * 1. `auth`; the body read with a byte cap (413 before it is parsed), parsed and validated
 *    (400 `invalid-request`, 400 `protocol-mismatch`), its schema version and ids checked, and
 *    the client group claimed for `auth`'s `userID` or refused (403 `forbidden`, see
 *    `client-group-owner.ts`);
 * 2. more than `maxMutationsPerPush` is 413 and an unknown mutator name anywhere is 400
 *    `unknown-mutator`, both before any mutator runs, so a refused push changes nothing;
 * 3. `applyPush`: skips applied ids, applies the next ones, drops poison mutations (each one an
 *    `onError` `mutation-error`, their ids advance), stops at a gap;
 * 4. after a push that applied something, `onPushed` runs and the `poke` option pokes the
 *    coordinator (through `waitUntil` when given, else awaited); failures go to `onError`
 *    (`onPushed-failed`, `poke-failed`), never to the client;
 * 5. then a gap is answered 400 `mutation-id-gap` (what came before it stays applied), and a
 *    database that kept failing after part of the push committed is answered 503 (the rest is
 *    pushed again); otherwise `200 { "ok": true }`.
 */
import { mutatorOf, parsePushRequest, PlasmaError, type AuthContext } from "@plasma/core"
import { ensureSchema } from "../../schema/migrations.js"
import type { PushedEvent } from "../events.js"
import { jsonText, readBodyText } from "../http.js"
import { authenticate, checkIdentity, type SyncIdentity } from "../identity.js"
import { checkGroupOwner } from "../client-group-owner.js"
import { pokeRoom } from "../coordinator-poke.js"
import { principalOf } from "../principal.js"
import { applyPush } from "../push.js"
import type { RouteAnswer } from "../route-table.js"
import type { RouteContext } from "./route-context.js"

const OK_BODY = '{"ok":true}'

async function readPushBody(request: Request, maxPayloadBytes: number): Promise<ReturnType<typeof parsePushRequest>> {
  const text = await readBodyText(request, maxPayloadBytes)
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (error) {
    throw new PlasmaError("invalid-request", "the push body is not JSON", { cause: error })
  }
  return parsePushRequest(json)
}

/** Runs `onPushed` and the `poke` after the answer (with `waitUntil`) or before it; their failures are only reported. */
async function notifyPushed<Ctx>(context: RouteContext<Ctx>, who: SyncIdentity<Ctx>): Promise<void> {
  const { onPushed, poke, waitUntil, hooks } = context
  const event: PushedEvent<Ctx> = { clientGroupID: who.clientGroupID, clientID: who.clientID, ctx: who.ctx }
  const report = (kind: "onPushed-failed" | "poke-failed") => (error: unknown) => hooks.report({ kind, error, clientGroupID: who.clientGroupID, clientID: who.clientID, ctx: who.ctx })
  const runs: Promise<unknown>[] = []
  if (onPushed !== undefined) {
    runs.push(
      Promise.resolve()
        .then(() => onPushed(event))
        .catch(report("onPushed-failed")),
    )
  }
  if (poke !== undefined) {
    runs.push(
      Promise.resolve()
        .then(() => pokeRoom(poke, event))
        .catch(report("poke-failed")),
    )
  }
  for (const run of runs) {
    if (waitUntil !== undefined) waitUntil(run)
    else await run
  }
}

/**
 * Answers one push request.
 * @example
 * const { response } = await handlePush(context, request)
 */
export async function handlePush<Ctx>(context: RouteContext<Ctx>, request: Request): Promise<RouteAnswer> {
  const { schema, mutators, executor, maxMutationsPerPush, hooks } = context
  const who = await authenticate(context.auth, request)
  const body = await readPushBody(request, context.maxPayloadBytes)
  checkIdentity("push", body, who, context.schemaVersion)
  if (body.mutations.length > maxMutationsPerPush) {
    throw new PlasmaError("payload-too-large", `the push carries ${body.mutations.length} mutations; the limit is ${maxMutationsPerPush}`, {
      details: { limit: maxMutationsPerPush },
    })
  }
  for (const m of body.mutations) mutatorOf(mutators, m.name)
  await ensureSchema({ schema, executor })
  await checkGroupOwner(executor, who)
  // The write path runs mutators and predicates with the app's ctx as given; it does not read it.
  const ctx = who.ctx as unknown as AuthContext
  const result = await applyPush({
    schema,
    mutators,
    executor,
    ctx,
    clientGroupID: who.clientGroupID,
    clientID: who.clientID,
    mutations: body.mutations,
    principal: principalOf(who),
  })
  for (const dropped of result.dropped) {
    hooks.report({ kind: "mutation-error", error: dropped.error, clientGroupID: who.clientGroupID, clientID: who.clientID, ctx: who.ctx, mutation: { id: dropped.id, name: dropped.name } })
  }
  if (result.processed > 0) await notifyPushed(context, who)
  if (result.gap !== null) {
    throw new PlasmaError("mutation-id-gap", `mutation ${result.gap.got} follows ${result.gap.expected - 1}; expected ${result.gap.expected}`, {
      details: { expected: result.gap.expected, got: result.gap.got },
    })
  }
  // Part of the push committed (onPushed ran above), then the database kept failing: 503.
  if (result.failure !== null) throw result.failure
  return {
    response: jsonText(200, OK_BODY),
    counts: { mutations: body.mutations.length, processed: result.processed, skipped: result.skipped, dropped: result.dropped.length },
  }
}
