/**
 * @module @plasma/core/internal — pieces of core that plasma's own packages (the server's write
 * path, the client's live queries) build on: SQLite's value comparison, the expression
 * evaluator, the ids a condition pins, and the protocol's validation helpers. Not part of the
 * public API: no semver promise, and apps should not import them. The main entry keeps only what apps use.
 */
export { evaluateExpr, matchesCondition, sqlLike, isTrue, createRowScope } from "./memory/evaluate-expr.js"
export type { EvalScope, ScopeRows } from "./memory/evaluate-expr.js"
export { compareSqlValues, compareText, compareBytes, storageClassOf, sqlValueKey, toRawSqlValue } from "./memory/sql-compare.js"
export { checkProtocolVersion, toInvalidRequest } from "./protocol/push.js"
export { pointIdsOf } from "./write/point-ids.js"
