/**
 * `ensureSchema` and `runMigrations`: bring a database to the schema without ever destroying data.
 *
 * The schema's fingerprint (a hash of the DDL it implies) is stored in `_plasma_meta`. When it
 * matches, there is nothing to do, and the fact is cached per executor so later calls cost
 * nothing at all. Otherwise the database is introspected and an additive plan is run in one
 * atomic batch: missing tables and indexes are created, missing columns added, and every capture
 * trigger regenerated for the new column set. Dropped or retyped columns and dropped tables are
 * refused and reported: plasma never deletes user data on its own. A plan with any refused step
 * applies nothing (its `applied` list is empty), so the database stays as it was.
 *
 * Everything said in SQL comes from the executor's dialect (`schema-dialect.ts`): SQLite's DDL
 * and `sqlite_master`/pragma reads, or Postgres's DDL, PL/pgSQL triggers and catalog reads.
 */
import { PlasmaError, refTargetOf, type AnyColumn, type AnySchema, type AnyTable } from "@plasma/core"
import type { SqlDialect, SqlExecutor, SqlQuery } from "@plasma/executors"
import { defaultSql, ON_DELETE, TRIGGER_PREFIX } from "./ddl.js"
import { META_KEYS } from "./internal-tables.js"
import { postgresSchemaDialect, sqliteSchemaDialect, type IntrospectedColumn, type IntrospectedDatabase, type SchemaDialect } from "./schema-dialect.js"

export interface SchemaOptions {
  readonly schema: AnySchema
  readonly executor: SqlExecutor
}

/** One thing `runMigrations` did or refused. */
export interface MigrationStep {
  readonly kind: "create-table" | "add-column" | "create-indexes" | "regenerate-triggers" | "drop-column" | "change-column" | "drop-table"
  readonly table: string
  readonly column?: string
  /** For refused steps: why plasma will not do it by itself. */
  readonly reason?: string
}

export interface MigrationReport {
  readonly applied: readonly MigrationStep[]
  readonly refused: readonly MigrationStep[]
}

const sqliteSchema = sqliteSchemaDialect(introspect)

/** The schema dialect of an executor's SQL dialect. */
function schemaDialectOf(dialect: SqlDialect): SchemaDialect {
  return dialect.name === "postgres" ? postgresSchemaDialect : sqliteSchema
}

/** Everything the schema implies in SQL; its hash is the fingerprint. */
function schemaDdl(schema: AnySchema, dialect: SchemaDialect): string[] {
  return schema.tableList.flatMap((t) => [dialect.createTableSql(t), ...dialect.createIndexesSql(t), ...dialect.createTriggersSql(t)])
}

const fingerprints = new WeakMap<AnySchema, Map<string, string>>()

/**
 * A hash of the DDL the schema implies in `dialect` (default SQLite; two FNV-1a lanes);
 * computed once per schema object and dialect.
 */
export function fingerprintOf(schema: AnySchema, dialect?: SqlDialect): string {
  const schemaDialect = dialect === undefined ? sqliteSchema : schemaDialectOf(dialect)
  let byDialect = fingerprints.get(schema)
  if (byDialect === undefined) fingerprints.set(schema, (byDialect = new Map()))
  const cached = byDialect.get(schemaDialect.name)
  if (cached !== undefined) return cached
  // The internal tables count too: a release that adds one reaches databases made before it.
  const text = [...schemaDialect.internalTablesDdl, ...schemaDdl(schema, schemaDialect)].join(";\n")
  let a = 0x811c9dc5
  let b = 0x01000193
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i)
    a = Math.imul(a ^ c, 0x01000193)
    b = Math.imul(b ^ c, 0x5bd1e995)
  }
  const fingerprint = `v1-${(a >>> 0).toString(16)}${(b >>> 0).toString(16)}-${text.length}`
  byDialect.set(schemaDialect.name, fingerprint)
  return fingerprint
}

const ready = new WeakMap<SqlExecutor, Set<string>>()

async function readFingerprint(executor: SqlExecutor): Promise<string | null> {
  try {
    const rows = await executor.all<{ value: string }>({ text: "SELECT value FROM _plasma_meta WHERE key = ?", params: [META_KEYS.schemaFingerprint] })
    return rows[0]?.value ?? null
  } catch {
    return null // no _plasma_meta yet: a fresh database
  }
}

type ColumnInfo = IntrospectedColumn

/** SQLite's user tables and plasma triggers, from `sqlite_master` and the table pragmas. */
async function introspect(executor: SqlExecutor): Promise<IntrospectedDatabase> {
  const masters = await executor.all<{ type: string; name: string; tbl_name: string }>({
    text: "SELECT type, name, tbl_name FROM sqlite_master WHERE type IN ('table', 'trigger')",
    params: [],
  })
  const tables = new Map<string, ColumnInfo[]>()
  const triggers: { name: string; table: string }[] = []
  for (const m of masters) {
    if (m.type === "trigger" && m.name.startsWith(TRIGGER_PREFIX)) triggers.push({ name: m.name, table: m.tbl_name })
  }
  const userTables = masters.filter((m) => m.type === "table" && !m.name.startsWith("_plasma_") && !m.name.startsWith("sqlite_") && !m.name.startsWith("_cf_"))
  for (const m of userTables) {
    const [columns, keys, uniques] = await executor.batch([
      { text: "SELECT name, type, \"notnull\", dflt_value FROM pragma_table_info(?)", params: [m.name] },
      { text: "SELECT \"from\" AS name, \"table\" AS target, on_delete FROM pragma_foreign_key_list(?)", params: [m.name] },
      {
        text:
          "SELECT (SELECT name FROM pragma_index_info(l.name)) AS name FROM pragma_index_list(?) l " +
          "WHERE l.origin = 'u' AND (SELECT COUNT(*) FROM pragma_index_info(l.name)) = 1",
        params: [m.name],
      },
    ])
    const references = new Map((keys?.rows ?? []).map((k) => [String(k.name), { table: String(k.target), onDelete: String(k.on_delete) }]))
    const unique = new Set((uniques?.rows ?? []).map((u) => String(u.name)))
    tables.set(
      m.name,
      (columns?.rows ?? []).map((c) => ({
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

function planTable(dialect: SchemaDialect, table: AnyTable, existing: ColumnInfo[] | undefined, applied: MigrationStep[], refused: MigrationStep[], ddl: string[]): void {
  if (existing === undefined) {
    ddl.push(dialect.createTableSql(table), ...dialect.createIndexesSql(table))
    applied.push({ kind: "create-table", table: table.$name })
    return
  }
  const byName = new Map(existing.map((c) => [c.name.toLowerCase(), c]))
  for (const [name, column] of Object.entries(table.$columns)) {
    const found = byName.get(name.toLowerCase())
    if (found === undefined) {
      const { nullable, hasDefault, defaultValue, unique, kind } = column.config
      if (kind === "id" || unique || (!nullable && (!hasDefault || defaultValue === null))) {
        refused.push({ kind: "add-column", table: table.$name, column: name, reason: dialect.addColumnLimit })
        continue
      }
      ddl.push(dialect.addColumnSql(table, name, column))
      applied.push({ kind: "add-column", table: table.$name, column: name })
    } else if (found.type.toUpperCase() !== dialect.sqlTypeOf(column.config.kind).toUpperCase()) {
      refused.push({ kind: "change-column", table: table.$name, column: name, reason: `stored as ${found.type}, the schema wants ${dialect.sqlTypeOf(column.config.kind)}; retyping needs a manual table rebuild` })
    } else {
      const differences = constraintDifferences(dialect, column, found)
      if (differences.length > 0) {
        // The write path would follow the new rules while SQLite enforces the old ones.
        refused.push({ kind: "change-column", table: table.$name, column: name, reason: `${differences.join("; ")}; changing constraints needs a manual table rebuild` })
      }
    }
  }
  const wanted = new Set(Object.keys(table.$columns).map((n) => n.toLowerCase()))
  for (const c of existing) {
    if (!wanted.has(c.name.toLowerCase())) {
      refused.push({ kind: "drop-column", table: table.$name, column: c.name, reason: "dropping a column destroys data; drop it by hand once nothing needs it" })
    }
  }
  ddl.push(...dialect.createIndexesSql(table))
}

/** How a stored column's constraints differ from the schema's column (empty when they agree). */
function constraintDifferences(dialect: SchemaDialect, column: AnyColumn, stored: ColumnInfo): string[] {
  const out: string[] = []
  const { kind, nullable, unique, ref } = column.config
  // The primary key is NOT NULL in plasma's DDL; SQLite reports it as declared.
  if (kind !== "id" && (stored.notnull === 1) !== !nullable) out.push(`stored ${stored.notnull === 1 ? "NOT NULL" : "nullable"}, the schema wants ${nullable ? "nullable" : "NOT NULL"}`)
  if (!dialect.defaultMatches(column, stored.dflt_value ?? null)) {
    out.push(`stored default ${stored.dflt_value ?? "none"}, the schema wants ${defaultSql(column) ?? "none"}`)
  }
  if (kind !== "id" && stored.unique !== unique) out.push(unique ? "the schema adds UNIQUE" : "the schema drops UNIQUE")
  const target = refTargetOf(column)
  const wanted = target === null || ref === null ? null : { table: target.table, onDelete: ON_DELETE[ref.onDelete] }
  const had = stored.reference
  if ((wanted === null) !== (had === null) || (wanted !== null && had !== null && (wanted.table !== had.table || wanted.onDelete !== had.onDelete.toUpperCase()))) {
    out.push(`stored reference ${had === null ? "none" : `${had.table} ON DELETE ${had.onDelete}`}, the schema wants ${wanted === null ? "none" : `${wanted.table} ON DELETE ${wanted.onDelete}`}`)
  }
  return out
}

/**
 * Brings the database to the schema additively and reports what it did and what it refused.
 * @example
 * const { applied, refused } = await runMigrations({ schema, executor })
 * if (refused.length > 0) console.warn("manual migration needed", refused)
 */
export async function runMigrations({ schema, executor }: SchemaOptions): Promise<MigrationReport> {
  const dialect = schemaDialectOf(executor.dialect)
  const { tables, triggers } = await dialect.introspect(executor)
  const triggerTables = new Set(triggers.map((t) => t.table))
  const applied: MigrationStep[] = []
  const refused: MigrationStep[] = []
  const ddl: string[] = [...dialect.internalTablesDdl]
  for (const table of schema.tableList) planTable(dialect, table, tables.get(table.$name), applied, refused, ddl)
  const declared = new Set(schema.tableList.map((t) => t.$name))
  for (const name of triggerTables) {
    if (!declared.has(name)) refused.push({ kind: "drop-table", table: name, reason: "the table is no longer in the schema; plasma will not drop it: drop the table, or its _plasma_trg_ triggers, by hand" })
  }
  // Triggers are regenerated from scratch: their bodies list every column of the row.
  ddl.push(...triggers.flatMap(({ name, table }) => dialect.dropTriggerSql(name, table)))
  for (const table of schema.tableList) ddl.push(...dialect.createTriggersSql(table))
  if (triggers.length > 0 || schema.tableList.length > 0) applied.push({ kind: "regenerate-triggers", table: "*" })
  // A plan with a refused step applies nothing: regenerating the triggers for a schema that
  // leaves out a column the table still has would silently drop it from the change log while
  // the old fingerprint stays in place (so nothing would ever regenerate them back).
  if (refused.length > 0) return { applied: [], refused }
  const fingerprint = fingerprintOf(schema, executor.dialect)
  const queries: SqlQuery[] = ddl.map((text) => ({ text, params: [] }))
  queries.push({ text: dialect.upsertMetaSql, params: [META_KEYS.schemaFingerprint, fingerprint] })
  await executor.batch(queries)
  markReady(executor, fingerprint)
  return { applied, refused }
}

function markReady(executor: SqlExecutor, fingerprint: string): void {
  let set = ready.get(executor)
  if (set === undefined) ready.set(executor, (set = new Set()))
  set.add(fingerprint)
}

/**
 * Makes the database ready for `schema`: creates user tables, indexes, internal tables and the
 * capture triggers. Cheap enough for every request: once the schema is in place it runs no DDL,
 * and after the first call per executor it runs no query at all.
 * Throws `invalid-schema` when the database differs in ways that need a manual migration.
 */
export async function ensureSchema({ schema, executor }: SchemaOptions): Promise<void> {
  const fingerprint = fingerprintOf(schema, executor.dialect)
  if (ready.get(executor)?.has(fingerprint) === true) return
  if ((await readFingerprint(executor)) === fingerprint) {
    markReady(executor, fingerprint)
    return
  }
  const report = await runMigrations({ schema, executor })
  if (report.refused.length > 0) {
    const list = report.refused.map((s) => `${s.kind} ${s.table}${s.column === undefined ? "" : `.${s.column}`}: ${s.reason ?? ""}`).join("; ")
    throw new PlasmaError("invalid-schema", `the database differs from the schema in ways plasma will not change by itself: ${list}`, {
      details: { refused: report.refused },
    })
  }
}
