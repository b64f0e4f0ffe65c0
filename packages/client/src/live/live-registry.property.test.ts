/**
 * The incremental result must equal a full `evaluateSelect` over the same view after every
 * step: random views, random change sequences (small ones take the id-by-id path, large ones the
 * merge path), random single-table, join and aggregate queries. Along the way the firing rules
 * are checked too: a listener fires exactly when the result changed, unchanged rows keep their
 * objects, and each delta turns the previous result into the next one.
 */
import { isDeepStrictEqual } from "node:util"
import { bigint, blob, boolean, defineSchema, evaluateSelect, id, int, json, real, ref, table, text, type ExprNode, type OrderNode, type ProjectionItem, type SelectNode } from "@plasma/core"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { keyingOf, type LiveDelta } from "./live-delta.js"
import { createLiveRegistry } from "./live-registry.js"
import { contentKey, type Row } from "./row-identity.js"
import { SPLICE_LIMIT } from "./sorted-window.js"
import { ViewFixture } from "./view-fixture.js"

const groups = table("groups", { id: id(), name: text(), rank: int().nullable() })
const items = table("items", {
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
const schema = defineSchema({ groups, items })

// ---- values and rows -------------------------------------------------------------------------

const intValue = fc.oneof(fc.integer({ min: -3, max: 3 }), fc.constant(null))
const textValue = fc.constantFrom<string | null>("", "a", "A", "ab", "b%", "é", "z", "\u{1F600}", null)
const realValue = fc.constantFrom<number | null>(-1.5, 0, 0.5, 2, null)
const bigValue = fc.constantFrom<bigint | null>(-2n, 0n, 5n, 2n ** 60n, null)
const binValue = fc.constantFrom<number[] | null>([], [0], [1, 2], [1], null).map((v) => (v === null ? null : Uint8Array.from(v)))
const itemId = fc.integer({ min: 0, max: 29 }).map((n) => `i${n}`)
const groupId = fc.integer({ min: 0, max: 4 }).map((n) => `g${n}`)

const itemRow = fc.record({
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
const groupRow = fc.record({ id: groupId, name: fc.constantFrom("x", "Y", "xy"), rank: intValue })

type Op = { kind: "putItem"; row: Row } | { kind: "deleteItem"; id: string } | { kind: "putGroup"; row: Row } | { kind: "deleteGroup"; id: string }
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 6, arbitrary: itemRow.map((row): Op => ({ kind: "putItem", row })) },
  { weight: 3, arbitrary: itemId.map((id): Op => ({ kind: "deleteItem", id })) },
  { weight: 1, arbitrary: groupRow.map((row): Op => ({ kind: "putGroup", row })) },
  { weight: 1, arbitrary: groupId.map((id): Op => ({ kind: "deleteGroup", id })) },
)
// Mostly small steps (the id-by-id path), sometimes more than SPLICE_LIMIT (the merge path).
const step = fc.oneof({ weight: 3, arbitrary: fc.array(op, { minLength: 1, maxLength: 4 }) }, { weight: 1, arbitrary: fc.array(op, { minLength: SPLICE_LIMIT + 1, maxLength: 45 }) })

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

function condition(withGroups: boolean): fc.Arbitrary<ExprNode> {
  const { tree } = fc.letrec<{ tree: ExprNode }>((tie) => ({
    tree: fc.oneof(
      { depthSize: "small", withCrossShrink: true },
      leafOn(withGroups),
      fc.array(tie("tree"), { maxLength: 3 }).map((operands) => ({ kind: "and", operands })),
      fc.array(tie("tree"), { maxLength: 3 }).map((operands) => ({ kind: "or", operands })),
      tie("tree").map((operand) => ({ kind: "not", operand })),
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
        fc.constantFrom(...tables.flatMap((t) => Object.keys(schema.tables[t]?.$columns ?? {}).map((c) => [t, c] as const))),
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

const query = fc.oneof({ weight: 5, arbitrary: singleTable }, { weight: 2, arbitrary: joined }, { weight: 1, arbitrary: aggregate })

// ---- the property ----------------------------------------------------------------------------

function apply(view: ViewFixture, ops: readonly Op[]): void {
  for (const o of ops) {
    if (o.kind === "putItem") view.put("items", o.row)
    else if (o.kind === "deleteItem") view.delete("items", o.id)
    else if (o.kind === "putGroup") view.put("groups", o.row)
    else view.delete("groups", o.id)
  }
}

/** `previous` with `delta` applied, in a form that ignores order. */
function applyDelta(node: SelectNode, previous: readonly Row[], delta: LiveDelta<Row>): string[] {
  if (keyingOf(node) === "id") {
    const byId = new Map(previous.map((r) => [String(r["id"]), r]))
    for (const r of delta.removed) byId.delete(String(r["id"]))
    for (const r of [...delta.added, ...delta.changed]) byId.set(String(r["id"]), r)
    return [...byId.values()].map(contentKey).sort()
  }
  const keys = previous.map(contentKey)
  for (const r of delta.removed) keys.splice(keys.indexOf(contentKey(r)), 1)
  return [...keys, ...delta.added.map(contentKey)].sort()
}

/** `toEqual`, with a fast path: vitest's deep equality is slow over thousands of calls. */
function expectEqual(actual: unknown, expected: unknown): void {
  if (!isDeepStrictEqual(actual, expected)) expect(actual).toEqual(expected)
}

interface Probe {
  readonly node: SelectNode
  readonly rows: (readonly Row[])[]
  readonly deltas: LiveDelta<Row>[]
}

describe("live queries equal evaluateSelect after every step", () => {
  it("holds for random views, change sequences and queries", () => {
    fc.assert(
      fc.property(fc.array(groupRow, { maxLength: 4 }), fc.array(itemRow, { maxLength: 30 }), fc.array(query, { minLength: 1, maxLength: 6 }), fc.array(step, { minLength: 1, maxLength: 8 }), (seedGroups, seedItems, nodes, steps) => {
        const view = new ViewFixture()
        for (const row of seedGroups) view.put("groups", row)
        for (const row of seedItems) view.put("items", row)
        view.take()
        const errors: unknown[] = []
        const registry = createLiveRegistry({ schema, view, onError: (e) => errors.push(e) })
        const probes: Probe[] = nodes.map((node) => {
          const probe: Probe = { node, rows: [], deltas: [] }
          const live = registry.create<Row>(node)
          live.subscribe((rows) => probe.rows.push(rows))
          live.subscribeDelta((delta) => probe.deltas.push(delta))
          return probe
        })
        registry.open()
        const deliveries = probes.map(() => 1)
        let expected = probes.map((p) => evaluateSelect(schema, p.node, (t) => view.rows(t)))
        probes.forEach((p, i) => {
          expect(p.rows).toHaveLength(1)
          expectEqual(p.rows[0], expected[i])
        })
        for (const ops of steps) {
          apply(view, ops)
          registry.notify(view.take())
          const next = probes.map((p) => evaluateSelect(schema, p.node, (t) => view.rows(t)))
          probes.forEach((p, i) => {
            const before = expected[i] as Row[]
            const after = next[i] as Row[]
            // A listener fires exactly when the result changed.
            if (!isDeepStrictEqual(before, after)) deliveries[i] = (deliveries[i] as number) + 1
            expect(p.rows).toHaveLength(deliveries[i] as number)
            expect(p.deltas).toHaveLength(deliveries[i] as number)
            const last = p.rows[p.rows.length - 1] as readonly Row[]
            expectEqual(last, after)
            if (isDeepStrictEqual(before, after) || p.rows.length < 2) return
            const previous = p.rows[p.rows.length - 2] as readonly Row[]
            expectEqual(previous, before)
            if (keyingOf(p.node) === "id") {
              // Rows whose content did not change keep their objects.
              const old = new Map(previous.map((r) => [String(r["id"]), r]))
              for (const r of last) {
                const twin = old.get(String(r["id"]))
                if (twin !== undefined && isDeepStrictEqual(twin, r)) expect(r).toBe(twin)
              }
            }
            const delta = p.deltas[p.deltas.length - 1] as LiveDelta<Row>
            expectEqual(applyDelta(p.node, previous, delta), last.map(contentKey).sort())
          })
          expected = next
        }
        expect(errors).toEqual([])
        registry.close()
      }),
      { numRuns: 200 },
    )
  })
})
