/**
 * @module The app's schema: one `todos` table. Every row belongs to one user (`ownerId`), and the
 * auth predicates keep users apart: a user's tabs see (and may change) only that user's rows.
 */
import { boolean, defineSchema, file, id, int, table, text, type AuthContext, type InferRow } from "@plasma/core"

/** What `auth` puts into every request's context. */
export interface TodoCtx extends AuthContext {
  readonly userId: string
}

const ownsRow = (ctx: AuthContext, row: { readonly ownerId: string }): boolean => row.ownerId === ctx["userId"]

export const todos = table(
  "todos",
  {
    id: id(),
    title: text(),
    done: boolean().default(false),
    ownerId: text(),
    attachment: file({ maxSize: 5_000_000, mimeAllowList: ["image/*"] }).nullable(),
    updatedAt: int(),
  },
  { auth: { read: ownsRow, write: ownsRow }, indexes: [{ columns: ["ownerId"] }] },
)

export const schema = defineSchema({ todos })

/** Bumped whenever the schema or the mutators change meaning; clients send it with every request. */
export const SCHEMA_VERSION = "todos-v1"

export type Todo = InferRow<typeof todos>
