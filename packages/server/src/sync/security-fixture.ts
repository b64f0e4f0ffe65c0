/**
 * A small app for the sync-security tests (client-group ownership, attach access, poke): a
 * `docs` table whose rows only their owner reads, with a file column; a `board` table anyone
 * reads, with a file column; and header-driven `auth` (`x-group`, `x-client`, optional `x-user`
 * as `userID`, `x-name` as `ctx.userId` when no `x-user` is sent).
 */
import { defineMutators, defineSchema, eq, file, id, table, text, type FileRef, type MutatorInput } from "@plasma/core"
import type { SqlExecutor } from "@plasma/executors"
import type { SyncAuthResult } from "./create-sync-handler.js"

export interface SecurityCtx {
  readonly [key: string]: unknown
  readonly userId: string
}

export const docs = table(
  "docs",
  { id: id(), ownerId: text(), attachment: file().nullable() },
  { auth: { read: (ctx, row) => row.ownerId === ctx.userId } },
)
export const board = table("board", { id: id(), attachment: file().nullable() })
export const securitySchema = defineSchema({ docs, board })
export const SECURITY_SCHEMA_VERSION = "security-v1"

type In<Args> = MutatorInput<typeof securitySchema, SecurityCtx, Args>

export const securityMutators = defineMutators<typeof securitySchema, SecurityCtx>()({
  addDoc: async ({ db, args }: In<{ id: string; ownerId: string; attachment: FileRef | null }>) => {
    await db.insert(docs).values({ id: args.id, ownerId: args.ownerId, attachment: args.attachment })
  },
  attach: async ({ db, args }: In<{ id: string; attachment: FileRef | null }>) => {
    await db.update(docs).set({ attachment: args.attachment }).where(eq(docs.id, args.id))
  },
  pin: async ({ db, args }: In<{ id: string; attachment: FileRef | null }>) => {
    await db.insert(board).values({ id: args.id, attachment: args.attachment })
  },
})

export function securityAuth(request: Request): SyncAuthResult<SecurityCtx> {
  const clientGroupID = request.headers.get("x-group")
  const clientID = request.headers.get("x-client")
  const user = request.headers.get("x-user")
  if (clientGroupID === null || clientID === null) return { ok: false, reason: "missing identity headers" }
  const ctx = { userId: user ?? request.headers.get("x-name") ?? "" }
  return user === null ? { ok: true, clientGroupID, clientID, ctx } : { ok: true, clientGroupID, clientID, ctx, userID: user }
}

export interface Caller {
  readonly group: string
  readonly client: string
  /** Sent as `userID`; omit for a request without one. */
  readonly user?: string
  /** `ctx.userId` of a request without `userID`. */
  readonly name?: string
}

function headersOf(who: Caller): Record<string, string> {
  const headers: Record<string, string> = { "x-group": who.group, "x-client": who.client }
  if (who.user !== undefined) headers["x-user"] = who.user
  if (who.name !== undefined) headers["x-name"] = who.name
  return headers
}

export function securityPush(who: Caller, mutations: readonly { id: number; name: string; args: unknown }[]): Request {
  return new Request("http://sync.test/sync/push", {
    method: "POST",
    headers: { "content-type": "application/json", ...headersOf(who) },
    body: JSON.stringify({
      protocolVersion: 1,
      schemaVersion: SECURITY_SCHEMA_VERSION,
      clientGroupID: who.group,
      clientID: who.client,
      mutations: mutations.map((m) => ({ ...m, timestamp: 1_730_100_000_000 })),
    }),
  })
}

export function securityPull(who: Caller, cookie?: string): Request {
  const query = new URLSearchParams({ protocolVersion: "1", schemaVersion: SECURITY_SCHEMA_VERSION, clientGroupID: who.group, clientID: who.client })
  if (cookie !== undefined) query.set("cookie", cookie)
  return new Request(`http://sync.test/sync/pull?${query.toString()}`, { headers: headersOf(who) })
}

/** A FileRef for `n` (its hash is 64 hex characters). */
export function fileRef(n: number): FileRef {
  return { hash: n.toString(16).padStart(64, "0"), size: 3, mime: "text/plain" }
}

/** Records bytes for `ref` as stored and, for each principal, as uploaded by it (what the blob PUT route records). */
export async function recordUpload(executor: SqlExecutor, ref: FileRef, ...principals: string[]): Promise<void> {
  await executor.run({
    text: "INSERT OR IGNORE INTO _plasma_blobs (hash, size, mime, uploaded_at, orphaned_at) VALUES (?, ?, ?, 0, 0)",
    params: [ref.hash, ref.size, ref.mime],
  })
  for (const principal of principals) {
    await executor.run({ text: "INSERT OR IGNORE INTO _plasma_blob_uploads (hash, principal, uploaded_at) VALUES (?, ?, 0)", params: [ref.hash, principal] })
  }
}
