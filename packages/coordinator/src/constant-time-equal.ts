/**
 * Constant-time string comparison for shared secrets.
 *
 * `===` stops at the first differing character, so its timing tells an attacker how long a prefix
 * of the token they guessed right. Here every byte of the longer input is visited no matter where
 * the first difference is, and a length mismatch is folded into the same accumulator instead of
 * returning early. What still leaks is the length of the longer input, which a fixed-size token
 * makes worthless. (`crypto.subtle.timingSafeEqual` exists in Workers only; this runs everywhere.)
 */

const encoder = new TextEncoder()

/**
 * Compares two strings over their UTF-8 bytes in time that depends only on their lengths.
 *
 * @example
 * constantTimeEqual(providedToken, env.PLASMA_COORDINATOR_TOKEN) // true only on an exact match
 */
export function constantTimeEqual(a: string, b: string): boolean {
  const left = encoder.encode(a)
  const right = encoder.encode(b)
  const length = Math.max(left.length, right.length)
  // Any non-zero bit here means "different"; start with the length difference.
  let diff = left.length ^ right.length
  for (let i = 0; i < length; i++) {
    // Out-of-range reads give undefined; `?? 0` keeps the loop branch-free on the data.
    diff |= (left[i] ?? 0) ^ (right[i] ?? 0)
  }
  return diff === 0
}
