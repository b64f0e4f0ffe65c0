/**
 * The dialect seam of the write path and the pull: plasma's write and pull statements are
 * written once, in SQLite's SQL (they run on better-sqlite3 and D1 as they are). On Postgres,
 * {@link toDialectStatements} rewrites the handful that SQLite spells its own way, at the one
 * place each batch is handed to the executor (`commitBatch`, `pullChanges`):
 *
 * - the origin row (`_plasma_origin`: who writes) becomes transaction-local settings
 *   (`set_config(…, true)`), which the PL/pgSQL capture triggers read and COMMIT clears;
 * - `json_each(?)` lists become `jsonb_array_elements_text(?::jsonb)`, `json_extract(v, '$[i]')`
 *   becomes `v ->> i`, SQLite's `IS NOT ?` becomes `IS DISTINCT FROM ?`;
 * - a derived table gets the alias Postgres 15 requires; a bare parameter in an INSERT … SELECT
 *   list gets the cast Postgres cannot infer.
 *
 * Texts are rewritten once and cached (plasma's statements come from a few templates). A commit
 * batch also starts with {@link POSTGRES_COMMIT_PRELUDE}: READ COMMITTED plus the per-schema
 * advisory lock the capture triggers take (postgres-ddl.ts), taken FIRST. Plasma's commits then
 * run one at a time, each statement seeing every earlier commit, exactly as on SQLite and D1, so
 * the write path's guards (not Postgres's serialization failures) order concurrent mutators, and
 * row versions are handed out in commit order.
 */
import type { SqlDialect, SqlQuery } from "@plasma/executors"
import { POSTGRES_ORIGIN_SETTINGS } from "../schema/postgres-internal-tables.js"

const ORIGIN_KEYS = [POSTGRES_ORIGIN_SETTINGS.clientGroupID, POSTGRES_ORIGIN_SETTINGS.clientID, POSTGRES_ORIGIN_SETTINGS.mutationID, POSTGRES_ORIGIN_SETTINGS.now]
const setOrigin = (key: string): string => `set_config('${key}', COALESCE(CAST(? AS text), ''), true)`
const clearOrigin = (key: string): string => `set_config('${key}', '', true)`

/** Whole statements with a Postgres form of their own (matched by their leading text). */
const WHOLE: readonly { readonly sqlite: RegExp; readonly postgres: string }[] = [
  {
    sqlite: /^INSERT OR REPLACE INTO _plasma_origin \(id, client_group_id, client_id, mutation_id, now\) VALUES \(1, \?, \?, \?, \?\)$/,
    postgres: `SELECT ${ORIGIN_KEYS.map(setOrigin).join(", ")}`,
  },
  {
    sqlite: /^UPDATE _plasma_origin SET mutation_id = \? WHERE id = 1$/,
    postgres: `SELECT ${setOrigin(POSTGRES_ORIGIN_SETTINGS.mutationID)}`,
  },
  { sqlite: /^DELETE FROM _plasma_origin$/, postgres: `SELECT ${ORIGIN_KEYS.map(clearOrigin).join(", ")}` },
  // The write path's self-logging marker (write/change-rows.ts).
  {
    sqlite: /^INSERT OR REPLACE INTO _plasma_meta \(key, value\) VALUES \(\?, '1'\)$/,
    postgres: "INSERT INTO _plasma_meta (key, value) VALUES (?, '1') ON CONFLICT (key) DO UPDATE SET value = excluded.value",
  },
]

/** Fragment rewrites, applied in order to every other statement. */
const FRAGMENTS: readonly (readonly [RegExp, string])[] = [
  // A list of strings bound as one JSON array.
  [/\(SELECT value FROM json_each\(\?\)\)/g, "(SELECT value FROM jsonb_array_elements_text(CAST(? AS jsonb)) AS t (value))"],
  // The blob guard's list of [hash, size, mime] triples.
  [/FROM json_each\(\?\) j /g, "FROM jsonb_array_elements(CAST(? AS jsonb)) AS j (value) "],
  [/json_extract\(j\.value, '\$\[0\]'\)/g, "(j.value ->> 0)"],
  [/json_extract\(j\.value, '\$\[1\]'\)/g, "CAST(j.value ->> 1 AS bigint)"],
  [/json_extract\(j\.value, '\$\[2\]'\)/g, "(j.value ->> 2)"],
  [/\) IS NOT \?/g, ") IS DISTINCT FROM ?"],
  // Postgres before 16 refuses a derived table without an alias.
  [/ORDER BY row_version LIMIT \?\)\), /g, "ORDER BY row_version LIMIT ?) AS page), "],
]

/** INSERT … SELECT statements whose bare parameters need a type (Postgres types them as text). */
const POSITION_PREFIX = "INSERT INTO _plasma_client_mutations (client_group_id, client_id, last_mutation_id, last_pull_version, last_seen_at) SELECT ?, ?, 0, "

function rewrite(text: string): string {
  for (const { sqlite, postgres } of WHOLE) if (sqlite.test(text)) return postgres
  let out = text
  for (const [pattern, replacement] of FRAGMENTS) out = out.replace(pattern, replacement)
  if (out.startsWith(POSITION_PREFIX)) {
    // The last select-list item is the `last_seen_at` stamp: `…, ? ON CONFLICT`.
    out = out.replace(/, \? ON CONFLICT/, ", CAST(? AS bigint) ON CONFLICT")
  }
  return out
}

const cache = new Map<string, string>()
const CACHE_SIZE = 500

function postgresText(text: string): string {
  let out = cache.get(text)
  if (out === undefined) {
    out = rewrite(text)
    if (cache.size >= CACHE_SIZE) cache.clear()
    cache.set(text, out)
  }
  return out
}

/**
 * What a Postgres commit batch runs first: READ COMMITTED (each statement sees every earlier
 * commit) and the version lock, so plasma's commits run one at a time (see the module doc).
 */
export const POSTGRES_COMMIT_PRELUDE: readonly SqlQuery[] = Object.freeze([
  { text: "SET TRANSACTION ISOLATION LEVEL READ COMMITTED", params: [] },
  { text: "SELECT pg_advisory_xact_lock(hashtext('plasma_changes:' || current_schema()))", params: [] },
])

/**
 * `queries` in the executor's dialect: the same array on SQLite, rewritten texts on Postgres.
 * `commit`: the batch is a commit of the write path (it then starts with the commit prelude).
 */
export function toDialectStatements(dialect: SqlDialect, queries: readonly SqlQuery[], commit = false): readonly SqlQuery[] {
  if (dialect.name !== "postgres") return queries
  const out: SqlQuery[] = commit ? [...POSTGRES_COMMIT_PRELUDE] : []
  for (const query of queries) out.push({ text: postgresText(query.text), params: query.params })
  return out
}
