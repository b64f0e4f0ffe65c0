/**
 * The pull message: `GET {basePath}/pull?protocolVersion=1&schemaVersion=..&clientGroupID=..
 * &clientID=..&cookie=..&limit=..` and its answer (SPEC §8).
 *
 * Ordering: the answer holds the changes after the cookie in `row_version` order, at most
 * `limit` of them, whatever the cookie. `cookie` in the answer is where the next pull starts;
 * `hasMore` means "pull again now". `lastMutationIDs` covers every client of the group, so a
 * client sees its siblings' pushes confirmed.
 *
 * Read predicates: a change the client may not read is not sent, not even as a `del`. A `del`
 * goes out when the row was readable to this client before the change and is not after (a row
 * that became unreadable, or a readable row deleted).
 *
 * Reset: a cookie the log can no longer serve (below the tombstone floor, or past the newest
 * change: a restored database) starts a reset walk. Every page of the walk carries `reset: true`
 * and is a page of the log from version 0; the client stages the pages and replaces its state
 * with them when the page with `reset: true` and `hasMore: false` arrives (the last page of the
 * walk). Cookies handed out during the walk say "resetting", so the walk never starts over.
 *
 * Failure handling: each query parameter appears at most once (a repeated one is
 * `invalid-request`, never "the first wins"); a numeric `protocolVersion` other than 1 is
 * `protocol-mismatch`; a malformed cookie is `invalid-request` (never a silent full resync);
 * `limit` is a decimal integer in 1..maxPullLimit, anything else (0, negative, huge, "1e3") is
 * `invalid-request`, not clamped. Unknown parameters are ignored (cache busters).
 */
import { z } from "zod"
import { decodePullCookie, type PullCookie } from "./cookie.js"
import { clientIdSchema, PROTOCOL_VERSION, schemaVersionSchema, toInvalidRequest } from "./push.js"
import { isPlasmaError, PlasmaError } from "../errors/plasma-error.js"

const DECIMAL = /^[0-9]{1,16}$/

/** Query parameters a pull reads; each may appear once. */
export const PULL_PARAMS = ["protocolVersion", "schemaVersion", "clientGroupID", "clientID", "cookie", "limit"] as const

/**
 * The schema of a pull's query string (as a record of strings) for a server whose largest page
 * is `maxPullLimit`. `cookie` comes out decoded (a {@link PullCookie}), `limit` as a number.
 */
export function pullRequestSchema(maxPullLimit: number) {
  return z.object({
    protocolVersion: z.literal(String(PROTOCOL_VERSION)),
    schemaVersion: schemaVersionSchema,
    clientGroupID: clientIdSchema,
    clientID: clientIdSchema,
    cookie: z
      .string()
      .optional()
      .transform((text, ctx) => {
        if (text === undefined) return undefined
        try {
          return decodePullCookie(text)
        } catch (error) {
          ctx.addIssue({ code: "custom", message: isPlasmaError(error) ? `malformed cookie (${String(error.details.reason)})` : "malformed cookie" })
          return z.NEVER
        }
      }),
    limit: z
      .string()
      .regex(DECIMAL, "must be a decimal integer")
      .transform(Number)
      .pipe(z.number().int().min(1).max(maxPullLimit))
      .optional(),
  })
}

type PullRequestSchema = ReturnType<typeof pullRequestSchema>
/** A validated pull request: `cookie` is the decoded cookie (undefined: from the start). */
export type PullRequest = z.output<PullRequestSchema>
/** A pull's query string as sent. */
export type PullQuery = z.input<PullRequestSchema>

/** One entry of a pull's patch. `value` is the full row in wire form (SPEC §6 change JSON). */
export const patchOperationSchema = z.discriminatedUnion("op", [
  z.object({ op: z.literal("put"), table: z.string(), id: z.string(), value: z.record(z.string(), z.unknown()) }),
  z.object({ op: z.literal("del"), table: z.string(), id: z.string() }),
])
export type PatchOperation = z.infer<typeof patchOperationSchema>

/**
 * The answer to a pull. `reset: true` marks every page of a reset walk; the one with
 * `hasMore: false` is its last, after which the client swaps its staged state in.
 */
export const pullResponseSchema = z.object({
  cookie: z.string(),
  patch: z.array(patchOperationSchema),
  lastMutationIDs: z.record(z.string(), z.number().int().nonnegative()),
  hasMore: z.boolean(),
  reset: z.literal(true).optional(),
})
export type PullResponse = z.infer<typeof pullResponseSchema>

/**
 * Validates a pull's query string. Throws `PlasmaError` `protocol-mismatch` or `invalid-request`.
 * @example
 * const pull = parsePullRequest(new URL(req.url).searchParams, 10_000)
 */
export function parsePullRequest(params: URLSearchParams, maxPullLimit: number, schema: PullRequestSchema = pullRequestSchema(maxPullLimit)): PullRequest {
  const query: Record<string, string> = {}
  for (const name of PULL_PARAMS) {
    const values = params.getAll(name)
    if (values.length > 1) throw new PlasmaError("invalid-request", `invalid pull query: "${name}" appears ${values.length} times`)
    if (values[0] !== undefined) query[name] = values[0]
  }
  const version = query.protocolVersion
  if (version !== undefined && DECIMAL.test(version) && version !== String(PROTOCOL_VERSION)) {
    throw new PlasmaError("protocol-mismatch", `protocol version ${version} is not supported; this server speaks ${PROTOCOL_VERSION}`, {
      details: { expected: PROTOCOL_VERSION, got: Number(version) },
    })
  }
  const result = schema.safeParse(query)
  if (!result.success) throw toInvalidRequest("pull query", result.error)
  return result.data
}
