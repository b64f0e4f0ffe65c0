/** @module @plasma/core — schema DSL, query AST and builder, mutators, in-memory engine and wire protocol. */
export { PlasmaError, isPlasmaError, httpStatusOf, PLASMA_ERROR_STATUS } from "./errors/plasma-error.js"
export type { PlasmaErrorCode, PlasmaErrorOptions } from "./errors/plasma-error.js"

export { Column, id, text, int, real, bigint, boolean, json, blob, file, ref, refTargetOf } from "./schema/column.js"
export type { AnyColumn, ColumnConfig, ColumnKind, FileColumnOptions, FileRef, OnDelete, RefTarget } from "./schema/column.js"
export { table, isTable } from "./schema/table.js"
export type {
  AnyTable,
  AuthContext,
  ColumnMap,
  ColumnValue,
  InferInsert,
  InferRow,
  InsertOf,
  RowOf,
  Table,
  TableAuth,
  TableIndex,
  TableMeta,
  TableOptions,
} from "./schema/table.js"
export { defineSchema, tableOf, columnOf, syncedTables, fileColumnsOf, RESERVED_PREFIX } from "./schema/define-schema.js"
export type { AnySchema, Schema, TableMap } from "./schema/define-schema.js"
export {
  checkColumnValue,
  describeValueKind,
  fromSqlValue,
  isFileRef,
  prepareInsertRow,
  preparePatch,
  rowFromChangeJson,
  rowFromSql,
  toSqlValue,
} from "./schema/values.js"
export type { SqlValue } from "./schema/values.js"
export { isMimeAllowed, mimeEssenceOf } from "./schema/mime.js"

export { createSelectNode, containsAggregate, isAggregateSelect, tablesOfSelect, visitExpr } from "./query/ast.js"
export type {
  AggregateFn,
  AggregateNode,
  ColumnNode,
  CompareNode,
  CompareOp,
  DeleteNode,
  ExprKind,
  ExprNode,
  ExprVisitor,
  InNode,
  InsertNode,
  JoinNode,
  LikeNode,
  LogicalNode,
  NotNode,
  NullCheckNode,
  OrderNode,
  ProjectionItem,
  QueryNode,
  SelectNode,
  UpdateNode,
  ValueNode,
  WriteNode,
  WriteResult,
} from "./query/ast.js"
export {
  AggregateExpr,
  SqlExpr,
  and,
  asc,
  avg,
  columnNode,
  count,
  desc,
  eq,
  gt,
  gte,
  inArray,
  isNotNull,
  isNull,
  like,
  lt,
  lte,
  max,
  min,
  ne,
  not,
  or,
  sum,
  toExprNode,
} from "./query/operators.js"
export type { Condition, Operand, OrderTerm } from "./query/operators.js"
export { createDb } from "./query/db.js"
export type { Db, DbHooks, DeleteBuilder, InsertBuilder, Projection, ProjectionResult, QueryEngine, SelectFrom, SelectQuery, UpdateBuilder, UpdateWhere } from "./query/db.js"
export { orderingOf } from "./query/ordering.js"
export { validateQuery } from "./query/validate-query.js"

export { createMemoryEngine } from "./memory/memory-engine.js"
export type { MemoryChange, MemoryEngine, MemoryEngineOptions } from "./memory/memory-engine.js"
export { createMapRowStore } from "./memory/memory-row-store.js"
export type { MemoryRowStore } from "./memory/memory-row-store.js"
export { evaluateSelect } from "./memory/evaluate-select.js"
export { planWrite } from "./write/plan-write.js"
export type { PlanWriteOptions } from "./write/plan-write.js"
export type { PlannedChange, PlannedStatement, WritePlan } from "./write/write-plan.js"
export type { MaybePromise, RowLookup, WriteRowSource } from "./write/row-source.js"
export type { RowsOf } from "./memory/evaluate-select.js"

export { defineMutators, invokeMutator, mutatorOf, RUN_IN_TRANSACTION } from "./mutators/define-mutators.js"
export type { Mutator, MutatorArgs, MutatorInput, MutatorMap, TransactionalDb } from "./mutators/define-mutators.js"

export { COOKIE_PREFIX, decodeCookie, decodePullCookie, encodeCookie } from "./protocol/cookie.js"
export type { EncodeCookieOptions, PullCookie } from "./protocol/cookie.js"
export {
  MAX_ID_LENGTH,
  MAX_MUTATOR_NAME_LENGTH,
  PROTOCOL_VERSION,
  clientIdSchema,
  parsePushRequest,
  pushMutationSchema,
  pushRequestSchema,
  pushResponseSchema,
  schemaVersionSchema,
} from "./protocol/push.js"
export type { PushMutationMessage, PushRequest, PushResponse } from "./protocol/push.js"
export { PULL_PARAMS, parsePullRequest, patchOperationSchema, pullRequestSchema, pullResponseSchema } from "./protocol/pull.js"
export type { PatchOperation, PullQuery, PullRequest, PullResponse } from "./protocol/pull.js"
export { errorBodySchema } from "./protocol/error-body.js"
export type { ErrorBody } from "./protocol/error-body.js"
