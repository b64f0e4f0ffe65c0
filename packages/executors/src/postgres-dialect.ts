/** @module postgresDialect: the Postgres flavour of `SqlDialect` (no driver import). */
import { PostgresAdapter, PostgresIntrospector, PostgresQueryCompiler, type Dialect, type Driver, type Kysely } from "kysely"
import type { SqlDialect } from "./sql-dialect.js"

/**
 * PostgreSQL, as spoken by node-postgres (and Hyperdrive). Identifiers are always quoted, so
 * a schema's `ownerId` stays `ownerId` (Postgres folds unquoted names to lower case).
 */
export const postgresDialect: SqlDialect = Object.freeze({
  name: "postgres" as const,
  quoteIdentifier(name: string): string {
    return `"${name.replaceAll('"', '""')}"`
  },
  toKyselyDialect(createDriver: () => Driver): Dialect {
    return {
      createAdapter: () => new PostgresAdapter(),
      createDriver,
      createIntrospector: (db: Kysely<any>) => new PostgresIntrospector(db),
      createQueryCompiler: () => new PostgresQueryCompiler(),
    }
  },
})
