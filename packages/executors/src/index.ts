/** @module @plasma/executors: the `SqlExecutor` interface, the SQL dialects and executor errors (no drivers). */
export type {
  BatchOptions,
  ExecutorCapabilities,
  SqlBatchResult,
  SqlExecutor,
  SqlQuery,
  SqlRunResult,
  SqlTransaction,
} from "./sql-executor.js"
export type { SqlDialect } from "./sql-dialect.js"
export { sqliteDialect, toCompileOnlyDialect } from "./sql-dialect.js"
export { postgresDialect } from "./postgres-dialect.js"
export type { ExecutorErrorCode, ExecutorErrorOptions } from "./executor-error.js"
export { EXECUTOR_ERROR_HTTP_STATUS, ExecutorError, isExecutorError, isTransientExecutorError } from "./executor-error.js"
