/**
 * Who a request is: `auth` runs on every routed request, and what the request itself names
 * (schema version, client group, client) must agree with it.
 *
 * - `{ ok: false }` or a throwing `auth` is `unauthorized` (401); an `auth` that answers neither
 *   shape, or `ok` without non-empty ids (or with a `userID` that is not a non-empty string), is
 *   a bug of the host: `internal` (a bare 500).
 * - A request for another schema version is `schema-mismatch` (409, with `expected`); ids that
 *   differ from `auth`'s are `client-id-mismatch` (400). The ids used afterwards are always
 *   `auth`'s, never the request's.
 */
import { PlasmaError } from "@plasma/core"
import type { SyncAuth, SyncAuthResult } from "./create-sync-handler.js"

/** An authenticated request: `auth`'s ids and the app's context. */
export interface SyncIdentity<Ctx> {
  readonly clientGroupID: string
  readonly clientID: string
  readonly ctx: Ctx
  /** What `auth` gave as `userID`, or `null` (the group stays unowned). */
  readonly userID: string | null
}

/**
 * Runs `auth`, turning refusals and throws into `unauthorized`.
 * @example
 * const who = await authenticate(options.auth, request)
 */
export async function authenticate<Ctx>(auth: SyncAuth<Ctx>, request: Request): Promise<SyncIdentity<Ctx>> {
  let result: SyncAuthResult<Ctx>
  try {
    result = await auth(request)
  } catch (error) {
    throw new PlasmaError("unauthorized", "unauthorized", { cause: error })
  }
  if (result === null || typeof result !== "object" || typeof result.ok !== "boolean") {
    throw new PlasmaError("internal", "auth returned neither { ok: true, ... } nor { ok: false }")
  }
  if (!result.ok) {
    const reason = typeof result.reason === "string" && result.reason !== "" ? result.reason : "unauthorized"
    throw new PlasmaError("unauthorized", reason)
  }
  const { clientGroupID, clientID, ctx, userID } = result
  if (typeof clientGroupID !== "string" || clientGroupID === "" || typeof clientID !== "string" || clientID === "") {
    throw new PlasmaError("internal", "auth returned ok without non-empty clientGroupID and clientID strings")
  }
  // A userID of the wrong shape would silently leave the group unowned: a bug of the host.
  if (userID !== undefined && (typeof userID !== "string" || userID === "")) {
    throw new PlasmaError("internal", "auth returned a userID that is not a non-empty string")
  }
  return { clientGroupID, clientID, ctx, userID: userID ?? null }
}

/** What a push body or pull query names about itself. */
export interface SentIdentity {
  readonly schemaVersion: string
  readonly clientGroupID: string
  readonly clientID: string
}

/**
 * Refuses a request for another schema version, or naming ids other than `auth`'s.
 * @example
 * checkIdentity("push", body, who, "todos-v1")
 */
export function checkIdentity(kind: "push" | "pull", sent: SentIdentity, who: SyncIdentity<unknown>, schemaVersion: string): void {
  if (sent.schemaVersion !== schemaVersion) {
    throw new PlasmaError("schema-mismatch", `the ${kind} is for schema version "${sent.schemaVersion}"; this server runs "${schemaVersion}"`, {
      details: { expected: schemaVersion },
    })
  }
  if (sent.clientGroupID !== who.clientGroupID || sent.clientID !== who.clientID) {
    throw new PlasmaError("client-id-mismatch", `the ${kind} names client group "${sent.clientGroupID}" and client "${sent.clientID}", but auth identified "${who.clientGroupID}" / "${who.clientID}"`)
  }
}
