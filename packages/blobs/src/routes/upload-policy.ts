/**
 * What an upload may be, derived from the schema's `file()` columns. A blob is uploaded before
 * any row names it, so the route cannot know which column it is for: it accepts what at least
 * one file column would accept, i.e. the LARGEST `maxSize` and the UNION of the MIME allow-lists.
 * A column without `maxSize` falls back to `defaultMaxSize`; a column without `mimeAllowList`
 * accepts any type, which makes the union "anything".
 */
import { fileColumnsOf, type AnySchema } from "@plasma/core"

export { isMimeAllowed, mimeEssenceOf } from "@plasma/core"

/** Limits applied to every upload. `null` when the schema declares no file column at all. */
export interface UploadPolicy {
  /** Largest accepted body in bytes. */
  readonly maxSize: number
  /** Accepted MIME patterns (`image/png`, `image/*`), lowercase; `null` accepts any type. */
  readonly mimeAllowList: readonly string[] | null
}

const policies = new WeakMap<AnySchema, Map<number, UploadPolicy | null>>()

/** The upload policy of `schema` (cached per schema object and fallback). */
export function uploadPolicyOf(schema: AnySchema, defaultMaxSize: number): UploadPolicy | null {
  let bySize = policies.get(schema)
  if (bySize === undefined) policies.set(schema, (bySize = new Map()))
  if (bySize.has(defaultMaxSize)) return bySize.get(defaultMaxSize) ?? null
  const policy = computePolicy(schema, defaultMaxSize)
  bySize.set(defaultMaxSize, policy)
  return policy
}

function computePolicy(schema: AnySchema, defaultMaxSize: number): UploadPolicy | null {
  let maxSize = -1
  let anyType = false
  const patterns = new Set<string>()
  for (const table of schema.tableList) {
    for (const name of fileColumnsOf(table)) {
      const options = table.$columns[name]?.config.file ?? null
      maxSize = Math.max(maxSize, options?.maxSize ?? defaultMaxSize)
      const allow = options?.mimeAllowList
      if (allow === undefined) anyType = true
      else for (const pattern of allow) patterns.add(pattern.trim().toLowerCase())
    }
  }
  if (maxSize < 0) return null
  return Object.freeze({ maxSize, mimeAllowList: anyType ? null : Object.freeze([...patterns].sort()) })
}
