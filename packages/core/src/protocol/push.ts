/**
 * The push message: `POST {basePath}/push` with one client's pending mutations (SPEC §8).
 *
 * Ordering: mutation ids are positive safe integers, strictly increasing within a push. The
 * server applies them in that order: an id at or below the client's `last_mutation_id` is skipped
 * (already applied), `last + 1` is applied, and a gap stops the push with 400 `mutation-id-gap`
 * after the ones before it have committed. A mutator that throws is dropped, and its id still
 * advances.
 *
 * Failure handling, in the order the server checks:
 * 1. `protocolVersion` first, before the rest of the shape: a body from another protocol version
 *    may look nothing like this one, and its client needs `protocol-mismatch` (upgrade), not
 *    `invalid-request` (bug). A numeric version other than 1 is `protocol-mismatch`.
 * 2. The shape (this schema): anything else is `invalid-request`, the zod issues attached.
 * 3. The handler then checks `schemaVersion` (409), the ids against `auth`'s (400), the count
 *    (413) and the mutator names (400 `unknown-mutator`), all before any mutator runs.
 */
import { z } from "zod"
import { PlasmaError } from "../errors/plasma-error.js"

/** The protocol version this package speaks. */
export const PROTOCOL_VERSION = 1

/** Longest accepted mutator name. */
export const MAX_MUTATOR_NAME_LENGTH = 100
/** Longest accepted client, client group and schema version string. */
export const MAX_ID_LENGTH = 256

/** A client or client group id. */
export const clientIdSchema = z.string().min(1).max(MAX_ID_LENGTH)
/** The app's schema version string. */
export const schemaVersionSchema = z.string().min(1).max(MAX_ID_LENGTH)

/** One mutation of a push. `args` is any JSON value (the body was JSON). */
export const pushMutationSchema = z.object({
  id: z.number().int().positive(),
  name: z.string().min(1).max(MAX_MUTATOR_NAME_LENGTH),
  args: z.unknown(),
  timestamp: z.number(),
})

/** The push body, exactly as SPEC §8 defines it. */
export const pushRequestSchema = z.object({
  protocolVersion: z.literal(PROTOCOL_VERSION),
  schemaVersion: schemaVersionSchema,
  clientGroupID: clientIdSchema,
  clientID: clientIdSchema,
  mutations: z.array(pushMutationSchema).superRefine((mutations, ctx) => {
    for (let i = 1; i < mutations.length; i++) {
      const previous = mutations[i - 1] as { id: number }
      const current = mutations[i] as { id: number }
      if (current.id <= previous.id) {
        ctx.addIssue({ code: "custom", path: [i, "id"], message: `mutation ids must be strictly increasing: ${current.id} follows ${previous.id}` })
        return
      }
    }
  }),
})

export type PushMutationMessage = z.infer<typeof pushMutationSchema>
export type PushRequest = z.infer<typeof pushRequestSchema>

/** The body of a successful push. */
export const pushResponseSchema = z.object({ ok: z.literal(true) })
export type PushResponse = z.infer<typeof pushResponseSchema>

/** Throws `protocol-mismatch` when `body` names a protocol version other than ours. */
export function checkProtocolVersion(version: unknown): void {
  if (typeof version === "number" && version !== PROTOCOL_VERSION) {
    throw new PlasmaError("protocol-mismatch", `protocol version ${version} is not supported; this server speaks ${PROTOCOL_VERSION}`, {
      details: { expected: PROTOCOL_VERSION, got: version },
    })
  }
}

/** Turns zod issues into an `invalid-request` error naming the first offending path. */
export function toInvalidRequest(what: string, error: z.ZodError): PlasmaError {
  const issues = error.issues.slice(0, 10).map((issue) => ({ path: issue.path.map(String).join("."), message: issue.message }))
  const first = issues[0]
  const where = first === undefined ? "" : `${first.path === "" ? "(root)" : first.path}: ${first.message}`
  return new PlasmaError("invalid-request", `invalid ${what}: ${where}`, { cause: error, details: { issues } })
}

/**
 * Validates a parsed push body. Throws `protocol-mismatch` or `invalid-request` (`PlasmaError`).
 * @example
 * const push = parsePushRequest(JSON.parse(text))
 */
export function parsePushRequest(body: unknown): PushRequest {
  if (typeof body === "object" && body !== null && !Array.isArray(body)) {
    checkProtocolVersion((body as { protocolVersion?: unknown }).protocolVersion)
  }
  const result = pushRequestSchema.safeParse(body)
  if (!result.success) throw toInvalidRequest("push body", result.error)
  return result.data
}
