/**
 * fast-check arbitraries of the live query tests: a two-table schema, rows, change steps and
 * random selects (one table, joins, aggregates) that pass core's `validateQuery`.
 */
import { bigint, blob, boolean, defineSchema, id, int, json, real, ref, table, text, type ExprNode, type OrderNode, type ProjectionItem, type SelectNode } from "@plasma/core"
import fc from "fast-check"
import type { Row } from "./row-identity.js"
import { SPLICE_LIMIT } from "./sorted-window.js"

export const groups = table("groups", { id: id(), name: text(), rank: int().nullable() })
export const items = table("items", {
  id: id(),
  a: int().nullable(),
  b: text().nullable(),
  c: real().nullable(),
  flag: boolean(),
  j: json<{ k: number }>().nullable(),
  g: ref(() => groups.id).nullable(),
  big: bigint().nullable(),
  bin: blob().nullable(),
})
export const schema = defineSchema({ groups, items })

// ---- values and rows -------------------------------------------------------------------------

const intValue = fc.oneof(fc.integer({ min: -3, max: 3 }), fc.constant(null))
const textValue = fc.constantFrom<string | null>("", "a", "A", "ab", "b%", "é", "z", "\u{1F600}", null)
const realValue = fc.constantFrom<number | null>(-1.5, 0, 0.5, 2, null)
const bigValue = fc.constantFrom<bigint | null>(-2n, 0n, 5n, 2n ** 60n, null)
const binValue = fc.constantFrom<number[] | null>([], [0], [1, 2], [1], null).map((v) => (v === null ? null : Uint8Array.from(v)))
const itemId = fc.integer({ min: 0, max: 29 }).map((n) => `i${n}`)
const groupId = fc.integer({ min: 0, max: 4 }).map((n) => `g${n}`)

export const itemRow = fc.record({
  id: itemId,
  a: intValue,
  b: textValue,
  c: realValue,
  flag: fc.boolean(),
  j: fc.oneof(fc.integer({ min: 0, max: 2 }).map((k) => ({ k })), fc.constant(null)),
  g: fc.oneof(groupId, fc.constant(null)),
  big: bigValue,
  bin: binValue,
})
export const groupRow = fc.record({ id: groupId, name: fc.constantFrom("x", "Y", "xy"), rank: intValue })

export type Op = { kind: "putItem"; row: Row } | { kind: "deleteItem"; id: string } | { kind: "putGroup"; row: Row } | { kind: "deleteGroup"; id: string }
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: itemRow.map((row): Op => ({ kind: "putItem", row })) },
  { weight: 3, arbitrary: itemId.map((id): Op => ({ kind: "deleteItem", id })) },
  { weight: 1, arbitrary: groupRow.map((row): Op => ({ kind: "putGroup", row })) },
  { weight: 1, arbitrary: groupId.map((id): Op => ({ kind: "deleteGroup", id })) },
)
// Mostly small steps (the id-by-id path), sometimes more than SPLICE_LIMIT (the merge path).
export const step = fc.oneof({ weight: 3, arbitrary: fc.array(op, { minLength: 1, maxLength: 4 }) }, { weight: 1, arbitrary: fc.array(op, { minLength: SPLICE_LIMIT + 1, maxLength: 45 }) })

// ---- queries ---------------------------------------------------------------------------------

const col = (t: string, c: string): ExprNode & { kind: "column" } => ({ kind: "column", table: t, column: c })
const val = (value: unknown): ExprNode => ({ kind: "value", value })
const compareOp = fc.constantFrom("eq", "ne", "gt", "gte", "lt", "lte" as const)
const pattern = fc.constantFrom("a%", "%b%", "_", "", "%", "A_", "é%")

function leafOn(withGroups: boolean): fc.Arbitrary<ExprNode> {
  const leaves: fc.Arbitrary<ExprNode>[] = [
    fc.tuple(compareOp, intValue).map(([o, v]) => ({ kind: "compare", op: o, left: col("items", "a"), right: val(v) })),
    fc.tuple(compareOp, textValue).map(([o, v]) => ({ kind: "compare", op: o, left: col("items", "b"), right: val(v) })),
    fc.tuple(compareOp, realValue).map(([o, v]) => ({ kind: "compare", op: o, left: val(v), right: col("items", "c") })),
    fc.tuple(compareOp, bigValue).map(([o, v]) => ({ kind: "compare", op: o, left: col("items", "big"), right: val(v) })),
    fc.boolean().map((v) => ({ kind: "compare", op: "eq", left: col("items", "flag"), right: val(v) })),
    pattern.map((p) => ({ kind: "like", operand: col("items", "b"), pattern: val(p) })),
    fc.tuple(fc.constantFrom("isNull", "isNotNull" as const), fc.constantFrom("a", "b", "c", "g", "j", "bin")).map(([k, c]) => ({ kind: k, operand: col("items", c) })),
    fc.array(intValue, { maxLength: 3 }).map((vs) => ({ kind: "in", operand: col("items", "a"), values: vs.map(val) })),
  ]
  if (withGroups) {
    leaves.push(
      fc.tuple(compareOp, intValue).map(([o, v]) => ({ kind: "compare", op: o, left: col("groups", "rank"), right: val(v) })),
      pattern.map((p) => ({ kind: "like", operand: col("groups", "name"), pattern: val(p) })),
      fc.constant({ kind: "isNull", operand: col("groups", "id") }),
    )
  }
  return fc.oneof(...leaves)
}

export function condition(withGroups: boolean): fc.Arbitrary<ExprNode> {
  const { tree } = fc.letrec<{ tree: ExprNode }>((tie) => ({
    tree: fc.oneof(
      { depthSize: "small", withCrossShrink: true },
      leafOn(withGroups),
      fc.array(tie("tree"), { maxLength: 3 }).map((operands): ExprNode => ({ kind: "and", operands })),
      fc.array(tie("tree"), { maxLength: 3 }).map((operands): ExprNode => ({ kind: "or", operands })),
      tie("tree").map((operand): ExprNode => ({ kind: "not", operand })),
    ),
  }))
  return tree
}

const itemOrderColumns = ["a", "b", "c", "flag", "big", "j", "bin", "g", "id"]
const orderTerm = (withGroups: boolean): fc.Arbitrary<OrderNode> =>
  fc.record({
    expr: withGroups ? fc.oneof(fc.constantFrom(...itemOrderColumns).map((c) => col("items", c)), fc.constantFrom("rank", "name").map((c) => col("groups", c))) : fc.constantFrom(...itemOrderColumns).map((c) => col("items", c)),
    direction: fc.constantFrom("asc", "desc" as const),
  })
const page = fc.record({ limit: fc.oneof(fc.constant(null), fc.integer({ min: 0, max: 6 })), offset: fc.oneof(fc.constant(null), fc.integer({ min: 0, max: 4 })) })

const projection = (tables: readonly string[]): fc.Arbitrary<ProjectionItem[] | null> =>
  fc.oneof(
    fc.constant(null),
    fc
      .uniqueArray(
        fc.constantFrom(...tables.flatMap((t) => Object.keys((schema.tables as Readonly<Record<string, { $columns: object }>>)[t]?.$columns ?? {}).map((c) => [t, c] as const))),
        { minLength: 1, maxLength: 4, selector: ([t, c]) => `${t}.${c}` },
      )
      .map((cols) => cols.map(([t, c]) => ({ alias: t === "items" && c === "id" ? "id" : `${t}_${c}`, expr: col(t, c) }))),
  )

const singleTable: fc.Arbitrary<SelectNode> = fc
  .record({ where: fc.oneof(fc.constant(null), condition(false)), orderBy: fc.array(orderTerm(false), { maxLength: 3 }), page, projection: projection(["items"]) })
  .map(({ where, orderBy, page, projection }) => ({ kind: "select", from: "items", joins: [], projection, where, groupBy: [], having: null, orderBy, ...page }))

const joined: fc.Arbitrary<SelectNode> = fc
  .record({ type: fc.constantFrom("inner", "left" as const), where: fc.oneof(fc.constant(null), condition(true)), orderBy: fc.array(orderTerm(true), { maxLength: 2 }), page, projection: projection(["items", "groups"]) })
  .map(({ type, where, orderBy, page, projection }) => ({
    kind: "select",
    from: "items",
    joins: [{ type, table: "groups", on: { kind: "compare", op: "eq", left: col("items", "g"), right: col("groups", "id") } }],
    projection,
    where,
    groupBy: [],
    having: null,
    orderBy,
    ...page,
  }))

const aggregate: fc.Arbitrary<SelectNode> = fc
  .record({ grouped: fc.boolean(), where: fc.oneof(fc.constant(null), condition(false)), desc: fc.boolean() })
  .map(({ grouped, where, desc }) => ({
    kind: "select",
    from: "items",
    joins: [],
    projection: [
      ...(grouped ? [{ alias: "g", expr: col("items", "g") }] : []),
      { alias: "n", expr: { kind: "aggregate", fn: "count", operand: null } },
      { alias: "s", expr: { kind: "aggregate", fn: "sum", operand: col("items", "a") } },
      { alias: "mx", expr: { kind: "aggregate", fn: "max", operand: col("items", "b") } },
    ],
    where,
    groupBy: grouped ? [col("items", "g")] : [],
    having: null,
    orderBy: [{ expr: { kind: "aggregate", fn: "count", operand: null }, direction: desc ? "desc" : "asc" }],
    limit: null,
    offset: null,
  }))

export const query = fc.oneof({ weight: 5, arbitrary: singleTable }, { weight: 2, arbitrary: joined }, { weight: 1, arbitrary: aggregate })
