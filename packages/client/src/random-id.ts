/** Ids made at the call site (`newId()`), and the clientIDs the client rotates to. */

const ID_ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_-"

/** A fresh random id: 21 URL-safe characters (126 bits). */
export function randomId(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(21))
  let out = ""
  for (const b of bytes) out += ID_ALPHABET[b & 63]
  return out
}
