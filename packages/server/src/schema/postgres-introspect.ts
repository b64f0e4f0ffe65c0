/**
 * What `runMigrations` needs to know about a Postgres database, read from the catalogs of the
 * connection's current schema (`current_schema()`, the first of its `search_path`): the user
 * tables with their columns, foreign keys and single-column UNIQUE constraints, and the plasma
 * triggers. The result has the shape the SQLite introspection gives, so planning is shared.
 */
import type { AnyColumn } from "@plasma/core"
import type { SqlExecutor } from "@plasma/executors"
import { defaultSql, TRIGGER_PREFIX } from "./ddl.js"
import type { IntrospectedColumn, IntrospectedDatabase } from "./schema-dialect.js"

const TABLES_SQL =
  "SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace " +
  "WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p')"

const TRIGGERS_SQL =
  "SELECT t.tgname AS name, c.relname AS table_name FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid " +
  "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = current_schema() AND NOT t.tgisinternal"

/** The table's oid from its name in the current schema (one parameter). */
const REL = "(quote_ident(current_schema()) || '.' || quote_ident($1))::regclass"

const COLUMNS_SQL =
  "SELECT a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type, a.attnotnull AS notnull, " +
  "pg_get_expr(d.adbin, d.adrelid) AS dflt_value FROM pg_attribute a " +
  "LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum " +
  `WHERE a.attrelid = ${REL} AND a.attnum > 0 AND NOT a.attisdropped ORDER BY a.attnum`

const FOREIGN_KEYS_SQL =
  "SELECT a.attname AS name, cf.relname AS target, CASE con.confdeltype WHEN 'a' THEN 'NO ACTION' WHEN 'r' THEN 'RESTRICT' " +
  "WHEN 'c' THEN 'CASCADE' WHEN 'n' THEN 'SET NULL' ELSE 'SET DEFAULT' END AS on_delete FROM pg_constraint con " +
  "JOIN pg_class cf ON cf.oid = con.confrelid JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = con.conkey[1] " +
  `WHERE con.contype = 'f' AND con.conrelid = ${REL} AND cardinality(con.conkey) = 1`

const UNIQUES_SQL =
  "SELECT a.attname AS name FROM pg_constraint con JOIN pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = con.conkey[1] " +
  `WHERE con.contype = 'u' AND con.conrelid = ${REL} AND cardinality(con.conkey) = 1`

/** Reads the current schema's user tables and plasma triggers. */
export async function introspectPostgres(executor: SqlExecutor): Promise<IntrospectedDatabase> {
  const [tableRows, triggerRows] = await Promise.all([
    executor.all<{ name: string }>({ text: TABLES_SQL, params: [] }),
    executor.all<{ name: string; table_name: string }>({ text: TRIGGERS_SQL, params: [] }),
  ])
  const triggers = triggerRows.filter((t) => t.name.startsWith(TRIGGER_PREFIX)).map((t) => ({ name: t.name, table: t.table_name }))
  const tables = new Map<string, IntrospectedColumn[]>()
  for (const { name } of tableRows) {
    if (name.startsWith("_plasma_")) continue
    const [columns, keys, uniques] = await Promise.all([
      executor.all<Record<string, unknown>>({ text: COLUMNS_SQL, params: [name] }),
      executor.all<Record<string, unknown>>({ text: FOREIGN_KEYS_SQL, params: [name] }),
      executor.all<Record<string, unknown>>({ text: UNIQUES_SQL, params: [name] }),
    ])
    const references = new Map(keys.map((k) => [String(k.name), { table: String(k.target), onDelete: String(k.on_delete) }]))
    const unique = new Set(uniques.map((u) => String(u.name)))
    tables.set(
      name,
      columns.map((c) => ({
        name: String(c.name),
        type: String(c.type),
        notnull: Number(c.notnull),
        dflt_value: c.dflt_value === null || c.dflt_value === undefined ? null : String(c.dflt_value),
        reference: references.get(String(c.name)) ?? null,
        unique: unique.has(String(c.name)),
      })),
    )
  }
  return { tables, triggers }
}

/** A default expression without Postgres's casts and quotes: `'-5'::bigint` → `-5`, `'a''b'::text` → `a'b`. */
function bareDefault(expression: string): string {
  let text = expression.trim()
  for (;;) {
    const cast = /^(.*)::[a-z ]+(\(\d+(,\d+)?\))?(\[\])?$/s.exec(text)
    if (cast === null) break
    text = (cast[1] ?? "").trim()
    if (text.startsWith("(") && text.endsWith(")")) text = text.slice(1, -1).trim()
  }
  if (text.length >= 2 && text.startsWith("'") && text.endsWith("'")) return text.slice(1, -1).replaceAll("''", "'")
  return text
}

function canonicalJson(text: string): string | null {
  const sort = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(sort)
    if (value !== null && typeof value === "object") {
      return Object.fromEntries(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => [k, sort(v)]))
    }
    return value
  }
  try {
    return JSON.stringify(sort(JSON.parse(text)))
  } catch {
    return null
  }
}

/**
 * Whether a stored default (as `pg_get_expr` prints it) is the column's default. Postgres
 * rewrites what it was given (`5` stays `5`, `-5` becomes `'-5'::bigint`, JSON is re-spaced),
 * so both sides are compared without casts and quotes, JSON by value, numbers by value.
 */
export function postgresDefaultMatches(column: AnyColumn, stored: string | null): boolean {
  const wanted = defaultSql(column)
  if (wanted === null || stored === null) return wanted === stored
  const a = bareDefault(stored)
  const b = bareDefault(wanted)
  const { kind } = column.config
  if (kind === "json" || kind === "file") return canonicalJson(a) !== null && canonicalJson(a) === canonicalJson(b)
  if (kind === "int" || kind === "bigint" || kind === "real" || kind === "boolean") return a === b || (a !== "" && Number(a) === Number(b))
  return a === b
}
