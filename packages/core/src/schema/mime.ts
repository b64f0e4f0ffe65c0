/**
 * MIME matching for `file()` columns, shared by the write path (a FileRef must fit its column)
 * and the upload route (bytes must fit some file column).
 */

/**
 * The essence of a Content-Type: `type/subtype`, lowercase, parameters dropped; `null` when
 * missing or not of that form.
 */
export function mimeEssenceOf(contentType: string | null): string | null {
  if (contentType === null) return null
  const essence = (contentType.split(";")[0] ?? "").trim().toLowerCase()
  return /^[a-z0-9!#$&^_.+-]+\/[a-z0-9!#$&^_.+-]+$/.test(essence) ? essence : null
}

/** `true` when `essence` matches one pattern: exact, `type/*`, or `*\/*`; `null` allows any. */
export function isMimeAllowed(essence: string, allowList: readonly string[] | null): boolean {
  if (allowList === null) return true
  const family = essence.slice(0, essence.indexOf("/"))
  return allowList.some((raw) => {
    const pattern = raw.trim().toLowerCase()
    return pattern === essence || pattern === "*/*" || pattern === `${family}/*`
  })
}
