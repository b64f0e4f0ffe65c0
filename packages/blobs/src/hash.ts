/**
 * Blob hashes: the lowercase hex SHA-256 of the bytes. Validation is strict (no uppercase, no
 * prefix, no whitespace) because the hash becomes an R2 key and a file name: one spelling per
 * blob, and no value that could carry `/` or `..` into a path.
 *
 * Uses WebCrypto only, so this module runs unchanged in Workers, browsers and Node 20.
 */
import { BlobStorageError } from "./storage/blob-storage-error.js"

const BLOB_HASH_PATTERN = /^[0-9a-f]{64}$/

/** Longest part of a rejected value quoted in an error message (hashes are 64 characters). */
const MAX_QUOTED_LENGTH = 80

/** `true` when `value` is exactly 64 lowercase hex characters, the form of every blob hash. */
export function isBlobHash(value: unknown): value is string {
  // `$` without the `m` flag matches only at the very end, so a trailing "\n" is rejected too.
  return typeof value === "string" && BLOB_HASH_PATTERN.test(value)
}

/**
 * Throws `BlobStorageError` with code `invalid-hash` unless `value` is a blob hash. The message
 * quotes the value (truncated, JSON-escaped so control characters stay visible).
 */
export function assertBlobHash(value: unknown): asserts value is string {
  if (isBlobHash(value)) return
  throw new BlobStorageError(
    "invalid-hash",
    `Invalid blob hash ${quote(value)}: expected 64 lowercase hex characters (a SHA-256 digest)`,
  )
}

/**
 * The lowercase hex SHA-256 of `bytes`, the hash a blob is stored under.
 *
 * @example
 * const hash = await sha256Hex(new TextEncoder().encode("abc"))
 * // "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
 */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", bytes))
  let hex = ""
  for (const byte of digest) hex += byte.toString(16).padStart(2, "0")
  return hex
}

function quote(value: unknown): string {
  if (typeof value !== "string") return `(${value === null ? "null" : typeof value})`
  const shown = value.length > MAX_QUOTED_LENGTH ? `${value.slice(0, MAX_QUOTED_LENGTH)}…` : value
  return JSON.stringify(shown)
}
