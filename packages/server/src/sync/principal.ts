/**
 * The principal of a request: who uploads blobs and whose access an attach is checked against
 * (SPEC §10, the integrator's shared decision). It is the `userID` that `auth` returned, else the
 * client group, prefixed so that it can never equal a user's id.
 */

/**
 * The principal of a request.
 * @example
 * principalOf({ userID: "ann", clientGroupID: "g1" }) // "ann"
 * principalOf({ userID: null, clientGroupID: "g1" }) // "group:g1"
 */
export function principalOf(who: { readonly userID: string | null; readonly clientGroupID: string }): string {
  return who.userID ?? `group:${who.clientGroupID}`
}
