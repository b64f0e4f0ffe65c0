/**
 * The dialect seam of `ensureSchema` / `runMigrations`: everything they say in SQL, per
 * dialect, chosen by `executor.dialect.name`. Planning (what to create, add, refuse) is shared
 * in `migrations.ts`; only the text and the catalog reads differ.
 */
import type { AnyColumn, AnyTable } from "@plasma/core"
import type { SqlDialect, SqlExecutor } from "@plasma/executors"
import { columnDefinition, createIndexesSql, createTableSql, createTriggersSql, defaultSql } from "./ddl.js"
import { INTERNAL_TABLES_DDL } from "./internal-tables.js"
import {
  POSTGRES_SQL_TYPE,
  postgresColumnDefinition,
  postgresCreateIndexesSql,
  postgresCreateTableSql,
  postgresCreateTriggersSql,
  postgresDropTriggerSql,
} from "./postgres-ddl.js"
import { introspectPostgres, postgresDefaultMatches } from "./postgres-introspect.js"
import { POSTGRES_INTERNAL_TABLES_DDL } from "./postgres-internal-tables.js"

/** One stored column, as the catalogs report it. */
export interface IntrospectedColumn {
  readonly name: string
  readonly type: string
  readonly notnull: number
  readonly dflt_value: string | null
  /** `ON DELETE` action and target table when the column is a foreign key. */
  readonly reference: { readonly table: string; readonly onDelete: string } | null
  /** Whether a single-column UNIQUE constraint covers it. */
  readonly unique: boolean
}

/** The user tables and plasma triggers of a database. */
export interface IntrospectedDatabase {
  readonly tables: Map<string, IntrospectedColumn[]>
  readonly triggers: readonly { readonly name: string; readonly table: string }[]
}

/** What `ensureSchema` / `runMigrations` say in one dialect. */
export interface SchemaDialect {
  readonly name: SqlDialect["name"]
  readonly internalTablesDdl: readonly string[]
  /** The stored type name of each column kind, as introspection reports it (compared case-insensitively). */
  sqlTypeOf(kind: AnyColumn["config"]["kind"]): string
  createTableSql(table: AnyTable): string
  createIndexesSql(table: AnyTable): string[]
  createTriggersSql(table: AnyTable): string[]
  addColumnSql(table: AnyTable, name: string, column: AnyColumn): string
  dropTriggerSql(name: string, table: string): string[]
  /** Sets one `_plasma_meta` key (two parameters: key, value). */
  readonly upsertMetaSql: string
  /** Whether a stored default is the column's default. */
  defaultMatches(column: AnyColumn, stored: string | null): boolean
  introspect(executor: SqlExecutor): Promise<IntrospectedDatabase>
  /** Why a primary-key, UNIQUE, or NOT NULL column without a default is not added to an existing table. */
  readonly addColumnLimit: string
}

const SQLITE_TYPE_OF_KIND: Record<AnyColumn["config"]["kind"], string> = {
  id: "TEXT", text: "TEXT", ref: "TEXT", int: "INTEGER", bigint: "INTEGER", boolean: "INTEGER", real: "REAL", json: "TEXT", file: "TEXT", blob: "BLOB",
}

const q = (name: string): string => `"${name.replaceAll('"', '""')}"`

/** Builds the SQLite schema dialect around the SQLite introspection `migrations.ts` owns. */
export function sqliteSchemaDialect(introspect: (executor: SqlExecutor) => Promise<IntrospectedDatabase>): SchemaDialect {
  return {
    name: "sqlite",
    internalTablesDdl: INTERNAL_TABLES_DDL,
    sqlTypeOf: (kind) => SQLITE_TYPE_OF_KIND[kind],
    createTableSql,
    createIndexesSql,
    createTriggersSql,
    addColumnSql: (table, name, column) => `ALTER TABLE ${q(table.$name)} ADD COLUMN ${columnDefinition(name, column, true)}`,
    dropTriggerSql: (name) => [`DROP TRIGGER IF EXISTS ${q(name)}`],
    upsertMetaSql: "INSERT OR REPLACE INTO _plasma_meta (key, value) VALUES (?, ?)",
    defaultMatches: (column, stored) => (stored ?? null) === defaultSql(column),
    introspect,
    addColumnLimit: "SQLite cannot add a primary-key, UNIQUE, or NOT NULL column without a default to an existing table",
  }
}

/** Postgres: quoted names, BIGSERIAL/JSONB internal tables, PL/pgSQL capture (see postgres-ddl.ts). */
export const postgresSchemaDialect: SchemaDialect = {
  name: "postgres",
  internalTablesDdl: POSTGRES_INTERNAL_TABLES_DDL,
  sqlTypeOf: (kind) => POSTGRES_SQL_TYPE[kind],
  createTableSql: postgresCreateTableSql,
  createIndexesSql: postgresCreateIndexesSql,
  createTriggersSql: postgresCreateTriggersSql,
  addColumnSql: (table, name, column) => `ALTER TABLE ${q(table.$name)} ADD COLUMN ${postgresColumnDefinition(name, column, true)}`,
  dropTriggerSql: postgresDropTriggerSql,
  upsertMetaSql: "INSERT INTO _plasma_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
  defaultMatches: postgresDefaultMatches,
  introspect: introspectPostgres,
  // Kept identical to SQLite's rule so one schema migrates the same way on every engine.
  addColumnLimit: "plasma does not add a primary-key, UNIQUE, or NOT NULL column without a default to an existing table (SQLite cannot)",
}

/** The internal tables' DDL for an executor's dialect (for operations that take no schema). */
export function internalTablesDdlFor(dialect: SqlDialect): readonly string[] {
  return dialect.name === "postgres" ? POSTGRES_INTERNAL_TABLES_DDL : INTERNAL_TABLES_DDL
}
