/**
 * Client groups belong to users (SPEC §8): when `auth` returns a `userID`, the first request that
 * uses a client group claims it for that user, and every later request as that group must come
 * from the same user. Otherwise anyone who learns a group id could push junk under its client
 * ids (advancing their mutation ids, so the owner's real writes would be skipped) or pull as it.
 *
 * - The claim is atomic: `INSERT … ON CONFLICT DO NOTHING`, then the owner is read back, so of
 *   two users racing for a new group exactly one wins, on every isolate. The common case (the
 *   group is already claimed) costs one primary-key read; nothing is cached across requests, so
 *   no isolate can let a second user in on a stale answer.
 * - A request without a `userID` never claims; it may use an unowned group, and is refused an
 *   owned one (it cannot prove it is the owner). Apps that never return `userID` see no change.
 * - A refusal is 403 `forbidden` and happens before anything is read or written for the request.
 */
import { PlasmaError } from "@plasma/core"
import type { SqlExecutor } from "@plasma/executors"

const OWNER_SQL = "SELECT user_id AS u FROM _plasma_client_groups WHERE client_group_id = ?"
const CLAIM_SQL = "INSERT INTO _plasma_client_groups (client_group_id, user_id, created_at) VALUES (?, ?, ?) ON CONFLICT (client_group_id) DO NOTHING"

async function ownerOf(executor: SqlExecutor, clientGroupID: string): Promise<string | null> {
  const rows = await executor.all<{ u: unknown }>({ text: OWNER_SQL, params: [clientGroupID] })
  const owner = rows[0]?.u
  return typeof owner === "string" ? owner : null
}

/**
 * Claims `clientGroupID` for `userID` on first use, and throws `forbidden` (403) when the group
 * belongs to another user (or to a user at all, for a request without one).
 * @example
 * await checkGroupOwner(executor, { clientGroupID: "g1", userID: "ann" }) // ann owns g1 from now on
 * await checkGroupOwner(executor, { clientGroupID: "g1", userID: "bob" }) // throws forbidden
 */
export async function checkGroupOwner(executor: SqlExecutor, who: { readonly clientGroupID: string; readonly userID: string | null }): Promise<void> {
  const { clientGroupID, userID } = who
  let owner = await ownerOf(executor, clientGroupID)
  if (owner === null && userID !== null) {
    await executor.run({ text: CLAIM_SQL, params: [clientGroupID, userID, Date.now()] })
    // Read back: a concurrent claim by someone else may have won.
    owner = await ownerOf(executor, clientGroupID)
  }
  if (owner !== null && owner !== userID) {
    throw new PlasmaError(
      "forbidden",
      userID === null
        ? `client group "${clientGroupID}" belongs to a user; this request names none`
        : `client group "${clientGroupID}" belongs to another user`,
      { details: { clientGroupID } },
    )
  }
}
