/**
 * The few statements of the executor conformance suite that SQLite and Postgres spell
 * differently (types, auto-increment, triggers, JSON), one table per dialect. Everything else
 * in the suite is one SQL text for every executor, `?` placeholders included (the Postgres
 * executor rewrites them).
 */
import type { SqlDialect } from "../sql-dialect.js"
import type { SqlQuery } from "../sql-executor.js"

/** What one dialect says for each dialect-specific step of the suite. */
export interface ConformanceSql {
  readonly createTypes: string
  /** Selects `*` plus the storage type of i, r, b, t, u as ti…tu, for id = ?. */
  readonly selectTypes: string
  readonly expectedTypes: readonly string[]
  /** `SELECT ? AS v` for a byte array parameter. */
  readonly selectBytes: string
  /** A column definition `id …` that numbers inserted rows 1, 2, 3, … */
  readonly autoId: string
  /** `lastInsertRowid` after inserting rows 1..3 into an `autoId` table (Postgres has none). */
  readonly lastInsertRowid: (last: number) => number | null
  /** The message of a UNIQUE failure, and of a FOREIGN KEY failure. */
  readonly uniqueMessage: RegExp
  readonly foreignKeyMessage: RegExp
  /** items / item_log with an AFTER INSERT trigger logging `{id, title}` as JSON text. */
  readonly createTriggeredTables: readonly SqlQuery[]
  /** COUNT and SUM of the given bound integers as n and s. */
  readonly sumOfParams: (count: number) => string
  /** What a compiled Kysely query uses as its first placeholder. */
  readonly compiledPlaceholder: string
  /** `true` when a call made while a transaction is open waits for it to end (one connection). */
  readonly callsWaitForTransactions: boolean
}

const SQLITE: ConformanceSql = {
  createTypes:
    "CREATE TABLE types (id INTEGER PRIMARY KEY, n TEXT, i INTEGER, r REAL, s TEXT, b BLOB, e BLOB, t INTEGER, f INTEGER, u TEXT)",
  selectTypes:
    "SELECT *, typeof(i) AS ti, typeof(r) AS tr, typeof(b) AS tb, typeof(t) AS tt, typeof(u) AS tu FROM types WHERE id = ?",
  expectedTypes: ["integer", "real", "blob", "integer", "null"],
  selectBytes: "SELECT ? AS v",
  autoId: "id INTEGER PRIMARY KEY",
  lastInsertRowid: (last) => last,
  uniqueMessage: /UNIQUE constraint failed/,
  foreignKeyMessage: /FOREIGN KEY/,
  createTriggeredTables: [
    { text: "CREATE TABLE items (id INTEGER PRIMARY KEY, title TEXT NOT NULL)", params: [] },
    { text: "CREATE TABLE item_log (v INTEGER PRIMARY KEY AUTOINCREMENT, payload TEXT NOT NULL)", params: [] },
    {
      text: "CREATE TRIGGER items_ai AFTER INSERT ON items BEGIN INSERT INTO item_log (payload) VALUES (json_object('id', NEW.id, 'title', NEW.title)); END",
      params: [],
    },
  ],
  sumOfParams: (count) =>
    `SELECT COUNT(*) AS n, SUM(value) AS s FROM json_each(json_array(${Array.from({ length: count }, () => "?").join(", ")}))`,
  compiledPlaceholder: "?",
  callsWaitForTransactions: true,
}

const POSTGRES: ConformanceSql = {
  createTypes:
    "CREATE TABLE types (id INTEGER PRIMARY KEY, n TEXT, i INTEGER, r DOUBLE PRECISION, s TEXT, b BYTEA, e BYTEA, t INTEGER, f INTEGER, u TEXT)",
  selectTypes:
    "SELECT *, pg_typeof(i)::text AS ti, pg_typeof(r)::text AS tr, pg_typeof(b)::text AS tb, pg_typeof(t)::text AS tt, pg_typeof(u)::text AS tu FROM types WHERE id = ?",
  expectedTypes: ["integer", "double precision", "bytea", "integer", "text"],
  selectBytes: "SELECT ?::bytea AS v",
  autoId: "id SERIAL PRIMARY KEY",
  lastInsertRowid: () => null,
  uniqueMessage: /duplicate key value violates unique constraint/,
  foreignKeyMessage: /violates foreign key constraint/,
  createTriggeredTables: [
    { text: "CREATE TABLE items (id INTEGER PRIMARY KEY, title TEXT NOT NULL)", params: [] },
    { text: "CREATE TABLE item_log (v BIGSERIAL PRIMARY KEY, payload TEXT NOT NULL)", params: [] },
    {
      text: "CREATE FUNCTION items_ai() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN INSERT INTO item_log (payload) VALUES (json_build_object('id', NEW.id, 'title', NEW.title)::text); RETURN NULL; END $$",
      params: [],
    },
    { text: "CREATE TRIGGER items_ai AFTER INSERT ON items FOR EACH ROW EXECUTE FUNCTION items_ai()", params: [] },
  ],
  sumOfParams: (count) =>
    `SELECT COUNT(*) AS n, SUM(v) AS s FROM (VALUES ${Array.from({ length: count }, () => "(?::integer)").join(", ")}) AS t (v)`,
  compiledPlaceholder: "$1",
  callsWaitForTransactions: false,
}

/** The conformance statements for `dialect`. */
export function conformanceSqlFor(dialect: SqlDialect): ConformanceSql {
  return dialect.name === "postgres" ? POSTGRES : SQLITE
}
