/**
 * `?` placeholders → `$1, $2, …`, so one SQL text runs on SQLite and on Postgres.
 *
 * plasma's admin code and documented examples write `executor.all({ text, params })` with `?`
 * placeholders (SQLite's). The Postgres executor rewrites them before the text reaches the
 * server, so that code stays portable. Rules:
 *
 * - A `?` is a placeholder only outside string literals (`'…'`, `E'…'`), quoted identifiers
 *   (`"…"`), dollar-quoted bodies (`$tag$…$tag$`) and comments (`-- …`, `/* … *\/`).
 * - A text that already uses `$n` placeholders (Kysely's Postgres compiler, hand-written
 *   Postgres SQL) is passed through unchanged: its `?` are JSONB operators (`?`, `?|`, `?&`).
 *   A text with `?` placeholders spells those operators as functions (`jsonb_exists`,
 *   `jsonb_exists_any`, `jsonb_exists_all`).
 *
 * The scan is linear in the text and allocation-free until the first placeholder.
 */

/** What {@link toPostgresPlaceholders} found. */
export interface PostgresPlaceholderText {
  /** The text with `?` rewritten to `$n` (the input itself when it had none or was already numbered). */
  readonly text: string
  /** How many `?` placeholders were rewritten. */
  readonly questionMarks: number
  /** `true` when the text already used `$n` placeholders outside literals. */
  readonly numbered: boolean
}

const QUESTION = 63 // ?
const DOLLAR = 36 // $
const QUOTE = 39 // '
const DOUBLE_QUOTE = 34 // "
const DASH = 45 // -
const SLASH = 47 // /
const STAR = 42 // *
const BACKSLASH = 92 // \

function isDigit(code: number): boolean {
  return code >= 48 && code <= 57
}

function isIdentifierChar(code: number): boolean {
  return (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || isDigit(code) || code === 95 || code > 127
}

/** The end (exclusive) of a dollar-quote opening tag starting at `start` (`$` or `$tag$`), or -1. */
function dollarTagEnd(text: string, start: number): number {
  let i = start + 1
  // A tag never starts with a digit (`$1` is a parameter).
  if (i < text.length && isDigit(text.charCodeAt(i))) return -1
  while (i < text.length && isIdentifierChar(text.charCodeAt(i))) i++
  return i < text.length && text.charCodeAt(i) === DOLLAR ? i + 1 : -1
}

/**
 * Rewrites `?` placeholders to `$1, $2, …` (see the module rules).
 *
 * @example
 * ```ts
 * toPostgresPlaceholders("SELECT * FROM t WHERE a = ? AND b = '?'").text
 * // "SELECT * FROM t WHERE a = $1 AND b = '?'"
 * ```
 */
export function toPostgresPlaceholders(text: string): PostgresPlaceholderText {
  let out: string | null = null
  let copiedUpTo = 0
  let questionMarks = 0
  let numbered = false
  const length = text.length
  let i = 0
  while (i < length) {
    const code = text.charCodeAt(i)
    if (code === QUOTE) {
      // E'…' strings honour backslash escapes; standard strings only '' (standard_conforming_strings).
      const escapes = i > 0 && (text.charCodeAt(i - 1) | 32) === 101 && (i < 2 || !isIdentifierChar(text.charCodeAt(i - 2)))
      i++
      while (i < length) {
        const c = text.charCodeAt(i)
        if (escapes && c === BACKSLASH) {
          i += 2
          continue
        }
        if (c === QUOTE) {
          if (text.charCodeAt(i + 1) === QUOTE) {
            i += 2
            continue
          }
          break
        }
        i++
      }
      i++
    } else if (code === DOUBLE_QUOTE) {
      i++
      while (i < length) {
        if (text.charCodeAt(i) === DOUBLE_QUOTE) {
          if (text.charCodeAt(i + 1) === DOUBLE_QUOTE) {
            i += 2
            continue
          }
          break
        }
        i++
      }
      i++
    } else if (code === DASH && text.charCodeAt(i + 1) === DASH) {
      const end = text.indexOf("\n", i)
      i = end === -1 ? length : end + 1
    } else if (code === SLASH && text.charCodeAt(i + 1) === STAR) {
      // Postgres block comments nest.
      let depth = 1
      i += 2
      while (i < length && depth > 0) {
        if (text.charCodeAt(i) === SLASH && text.charCodeAt(i + 1) === STAR) {
          depth++
          i += 2
        } else if (text.charCodeAt(i) === STAR && text.charCodeAt(i + 1) === SLASH) {
          depth--
          i += 2
        } else i++
      }
    } else if (code === DOLLAR) {
      if (isDigit(text.charCodeAt(i + 1)) && (i === 0 || !isIdentifierChar(text.charCodeAt(i - 1)))) {
        numbered = true
        i++
      } else if (i > 0 && isIdentifierChar(text.charCodeAt(i - 1))) {
        // `$` inside an identifier (`a$b`) is not a quote.
        i++
      } else {
        const tagEnd = dollarTagEnd(text, i)
        if (tagEnd === -1) {
          i++
        } else {
          const tag = text.slice(i, tagEnd)
          const close = text.indexOf(tag, tagEnd)
          i = close === -1 ? length : close + tag.length
        }
      }
    } else if (code === QUESTION) {
      questionMarks++
      out = (out ?? "") + text.slice(copiedUpTo, i) + "$" + String(questionMarks)
      copiedUpTo = i + 1
      i++
    } else {
      i++
    }
  }
  if (out === null || numbered) return { text, questionMarks: numbered ? 0 : questionMarks, numbered }
  return { text: out + text.slice(copiedUpTo), questionMarks, numbered }
}
