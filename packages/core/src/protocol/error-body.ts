/**
 * The body of every error answer of the sync handler: `{ error: <code>, message, ...details }`
 * (SPEC §8), with `content-type: application/json`. `error` is a `PlasmaErrorCode`; clients branch
 * on it, never on `message`. A 500 is always `{ error: "internal", message: "internal error" }`:
 * internals never cross the wire.
 */
import { z } from "zod"

export const errorBodySchema = z.looseObject({ error: z.string(), message: z.string() })
export type ErrorBody = z.infer<typeof errorBodySchema>
