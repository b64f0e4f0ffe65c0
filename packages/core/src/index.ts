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
export type { Db, DeleteBuilder, InsertBuilder, Projection, ProjectionResult, QueryEngine, SelectFrom, SelectQuery, UpdateBuilder, UpdateWhere } from "./query/db.js"
export { orderingOf } from "./query/ordering.js"
export { validateQuery } from "./query/validate-query.js"

export { defineMutators, invokeMutator, mutatorOf } from "./mutators/define-mutators.js"
export type { Mutator, MutatorArgs, MutatorInput, MutatorMap } from "./mutators/define-mutators.js"
