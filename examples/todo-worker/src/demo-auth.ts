/**
 * @module DEMO-ONLY authentication. The caller names itself: `Authorization: Bearer user:<id>`
 * (or `?user=<id>` where a browser cannot set headers, i.e. WebSockets). Anyone can claim to be
 * anyone. A real app verifies a session cookie or a signed token here instead; everything
 * downstream (auth predicates, rooms, blob reads) only relies on `ctx.userId`.
 */
import type { TodoCtx } from "./schema.js"

const USER_PATTERN = /^[a-z0-9_-]{1,32}$/
const CLIENT_PATTERN = /^[A-Za-z0-9_.:@-]{1,128}$/

/** The sync handler's `auth` result. */
export type AuthResult =
  | { readonly ok: true; readonly clientGroupID: string; readonly clientID: string; readonly ctx: TodoCtx }
  | { readonly ok: false; readonly reason: string }

/** A checked demo user id, or `null`. */
export function toUserId(value: string | null | undefined): string | null {
  return typeof value === "string" && USER_PATTERN.test(value) ? value : null
}

/** The coordinator room of a user: all of a user's tabs, and only theirs, share it. */
export function roomOf(userId: string): string {
  return `user-${userId}`
}

/**
 * `auth` for `createSyncHandler`: the user from the bearer header and the client ids from
 * `X-Plasma-Client-Group` / `X-Plasma-Client` (the handler then checks that push bodies and pull
 * queries name the same ids).
 */
export function demoAuth(request: Request): AuthResult {
  const header = request.headers.get("authorization") ?? ""
  const userId = toUserId(/^Bearer user:(.*)$/.exec(header)?.[1])
  if (userId === null) return { ok: false, reason: "send Authorization: Bearer user:<id> (id: 1-32 of [a-z0-9_-])" }
  const clientGroupID = request.headers.get("x-plasma-client-group") ?? ""
  const clientID = request.headers.get("x-plasma-client") ?? ""
  if (!CLIENT_PATTERN.test(clientGroupID) || !CLIENT_PATTERN.test(clientID)) {
    return { ok: false, reason: "send X-Plasma-Client-Group and X-Plasma-Client (1-128 of [A-Za-z0-9_.:@-])" }
  }
  return { ok: true, clientGroupID, clientID, ctx: { userId } }
}
