/**
 * An incremental SHA-256, so an upload can be hashed while it streams to storage. WebCrypto's
 * `digest` only takes the whole input at once, which would mean buffering a 100 MiB body in a
 * 128 MB Worker isolate; workerd's non-standard `crypto.DigestStream` and Node's `createHash`
 * exist, but not in both runtimes, and this entry must run in Workers, browsers and Node alike.
 * So this is FIPS 180-4 in plain TypeScript: one 64-byte block at a time, nothing held but the
 * 8-word state and one partial block. Its output is checked against WebCrypto by a property test
 * over random inputs split at random points.
 */

// First 32 bits of the fractional parts of the cube roots of the first 64 primes (FIPS 180-4 §4.2.2).
const K = Int32Array.from([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74,
  0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da, 0x983e5152, 0xa831c66d,
  0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e,
  0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070, 0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5,
  0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
])
// First 32 bits of the fractional parts of the square roots of the first 8 primes (§5.3.3).
const INITIAL = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19] as const

/** A SHA-256 computed piece by piece. */
export interface Sha256 {
  /** Feeds more bytes (the array is read during the call only). Throws after {@link Sha256.digestHex}. */
  update(bytes: Uint8Array): void
  /** Bytes fed so far. */
  readonly length: number
  /** The lowercase hex digest of everything fed; the hasher is finished afterwards. */
  digestHex(): string
}

/**
 * Starts an incremental SHA-256.
 *
 * @example
 * const sha = createSha256()
 * sha.update(new TextEncoder().encode("a"))
 * sha.update(new TextEncoder().encode("bc"))
 * sha.digestHex() // "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
 */
export function createSha256(): Sha256 {
  const state = Int32Array.from(INITIAL)
  const w = new Int32Array(64)
  const pending = new Uint8Array(64)
  let pendingLength = 0
  let length = 0
  let finished = false

  function compress(block: Uint8Array, at: number): void {
    for (let i = 0; i < 16; i++, at += 4) w[i] = ((block[at] as number) << 24) | ((block[at + 1] as number) << 16) | ((block[at + 2] as number) << 8) | (block[at + 3] as number)
    for (let i = 16; i < 64; i++) {
      const x = w[i - 15] as number
      const y = w[i - 2] as number
      const s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3)
      const s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10)
      w[i] = ((w[i - 16] as number) + s0 + (w[i - 7] as number) + s1) | 0
    }
    let a = state[0] as number, b = state[1] as number, c = state[2] as number, d = state[3] as number
    let e = state[4] as number, f = state[5] as number, g = state[6] as number, h = state[7] as number
    for (let i = 0; i < 64; i++) {
      const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7))
      const t1 = (h + S1 + ((e & f) ^ (~e & g)) + (K[i] as number) + (w[i] as number)) | 0
      const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10))
      const t2 = (S0 + ((a & b) ^ (a & c) ^ (b & c))) | 0
      h = g
      g = f
      f = e
      e = (d + t1) | 0
      d = c
      c = b
      b = a
      a = (t1 + t2) | 0
    }
    state[0] = (state[0] as number) + a
    state[1] = (state[1] as number) + b
    state[2] = (state[2] as number) + c
    state[3] = (state[3] as number) + d
    state[4] = (state[4] as number) + e
    state[5] = (state[5] as number) + f
    state[6] = (state[6] as number) + g
    state[7] = (state[7] as number) + h
  }

  return {
    get length() {
      return length
    },
    update(bytes) {
      if (finished) throw new Error("createSha256: update() after digestHex()")
      length += bytes.byteLength
      let at = 0
      if (pendingLength > 0) {
        const take = Math.min(64 - pendingLength, bytes.byteLength)
        pending.set(bytes.subarray(0, take), pendingLength)
        pendingLength += take
        at = take
        if (pendingLength < 64) return
        compress(pending, 0)
        pendingLength = 0
      }
      for (; at + 64 <= bytes.byteLength; at += 64) compress(bytes, at)
      if (at < bytes.byteLength) {
        pending.set(bytes.subarray(at), 0)
        pendingLength = bytes.byteLength - at
      }
    },
    digestHex() {
      if (finished) throw new Error("createSha256: digestHex() called twice")
      finished = true
      // Padding: 0x80, zeros to 56 mod 64, then the length in bits as a 64-bit big-endian integer.
      pending[pendingLength++] = 0x80
      if (pendingLength > 56) {
        pending.fill(0, pendingLength)
        compress(pending, 0)
        pendingLength = 0
      }
      pending.fill(0, pendingLength, 56)
      const high = Math.floor(length / 0x20000000) // length * 8 / 2^32, exact below 2^53 bytes
      const low = (length * 8) >>> 0
      pending[56] = high >>> 24
      pending[57] = high >>> 16
      pending[58] = high >>> 8
      pending[59] = high
      pending[60] = low >>> 24
      pending[61] = low >>> 16
      pending[62] = low >>> 8
      pending[63] = low
      compress(pending, 0)
      let hex = ""
      for (const word of state) hex += (word >>> 0).toString(16).padStart(8, "0")
      return hex
    },
  }
}
