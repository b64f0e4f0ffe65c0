import {
  DummyDriver,
  SqliteAdapter,
  SqliteIntrospector,
  SqliteQueryCompiler,
  type Dialect,
  type Driver,
  type Kysely,
} from "kysely"

/**
 * A SQL dialect as plasma needs it: a name to branch on, identifier quoting for the DDL plasma
 * generates, and the Kysely pieces that compile builder queries. Executors carry one; admin
 * helpers such as `reconcileBlobRefs` take one.
 */
export interface SqlDialect {
  readonly name: "sqlite" | "postgres"
  /** Quotes one identifier (table or column name) for this dialect. */
  quoteIdentifier(name: string): string
  /** A Kysely dialect whose compiler matches this SQL flavour, driven by `createDriver`. */
  toKyselyDialect(createDriver: () => Driver): Dialect
}

function quoteSqliteIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`
}

/** SQLite, as spoken by better-sqlite3 and D1. */
export const sqliteDialect: SqlDialect = Object.freeze({
  name: "sqlite" as const,
  quoteIdentifier: quoteSqliteIdentifier,
  toKyselyDialect(createDriver: () => Driver): Dialect {
    return {
      createAdapter: () => new SqliteAdapter(),
      createDriver,
      createIntrospector: (db: Kysely<any>) => new SqliteIntrospector(db),
      createQueryCompiler: () => new SqliteQueryCompiler(),
    }
  },
})

/** A Kysely dialect that compiles but never executes; useful for building SQL text offline. */
export function toCompileOnlyDialect(dialect: SqlDialect): Dialect {
  return dialect.toKyselyDialect(() => new DummyDriver())
}
