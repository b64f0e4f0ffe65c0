/**
 * Differential property: random selects (where / orderBy / limit / offset, some aggregates) over a
 * small table full of NULLs and ties give the same rows in the same order through
 * `compileSelect` on better-sqlite3 and through the in-memory `evaluateSelect` of core.
 * Queries reuse shapes with different values, so the compiled-template cache is exercised too.
 */
import { boolean, defineSchema, evaluateSelect, id, int, prepareInsertRow, real, table, text, validateQuery, type ColumnNode, type ExprNode, type SelectNode } from "@plasma/core"
import { createBetterSqlite3 } from "@plasma/executors/testing"
import fc from "fast-check"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { ensureSchema } from "../schema/migrations.js"
import { insertStatements } from "../write/row-statements.js"
import { compileSelect } from "./compile-select.js"

const items = table("items", {
  id: id(),
  name: text().nullable(),
  kind: text(),
  n: int().nullable(),
  r: real().nullable(),
  flag: boolean().nullable(),
})
const schema = defineSchema({ items })

const SEED = [
  { id: "a", name: "apple", kind: "x", n: 1, r: 1.5, flag: true },
  { id: "b", name: "Apple", kind: "x", n: 1, r: null, flag: false },
  { id: "c", name: null, kind: "y", n: null, r: -2, flag: null },
  { id: "d", name: "banana", kind: "y", n: 3, r: 1.5, flag: true },
  { id: "e", name: "BANANA", kind: "z", n: -4, r: 0, flag: false },
  { id: "f", name: "éclair", kind: "x", n: 3, r: null, flag: null },
  { id: "g", name: "", kind: "z", n: 0, r: 10.25, flag: true },
  { id: "h", name: "a_b%c", kind: "y", n: null, r: null, flag: false },
  { id: "i", name: "cherry", kind: "x", n: 7, r: -0.5, flag: true },
  { id: "j", name: "apple", kind: "z", n: 1, r: 1.5, flag: null },
].map((row) => prepareInsertRow(items, row))

const col = (column: string): ColumnNode => ({ kind: "column", table: "items", column })
const val = (value: unknown): ExprNode => ({ kind: "value", value })

const textValue = fc.constantFrom("apple", "Apple", "banana", "", "a", "z", "éclair", "cherry", "a_b%c")
const pattern = fc.constantFrom("a%", "%an%", "APP%", "_", "%", "a\\_%", "%é%", "b_nana", "")
const intValue = fc.integer({ min: -5, max: 8 })
const realValue = fc.constantFrom(-2, -0.5, 0, 1.5, 2, 10.25)

/** A comparison of one column with a value of its kind (or NULL). */
const leaf: fc.Arbitrary<ExprNode> = fc.oneof(
  fc.record({ column: fc.constantFrom("name", "kind"), value: fc.option(textValue, { freq: 6 }), op: fc.constantFrom("eq", "ne", "gt", "gte", "lt", "lte") }).map(
    ({ column, value, op }) => ({ kind: "compare", op, left: col(column), right: val(value) }) as ExprNode,
  ),
  fc.record({ value: fc.option(intValue, { freq: 6 }), op: fc.constantFrom("eq", "ne", "gt", "gte", "lt", "lte") }).map(({ value, op }) => ({ kind: "compare", op, left: col("n"), right: val(value) }) as ExprNode),
  fc.record({ value: realValue, op: fc.constantFrom("eq", "gt", "lte") }).map(({ value, op }) => ({ kind: "compare", op, left: val(value), right: col("r") }) as ExprNode),
  fc.boolean().map((b) => ({ kind: "compare", op: "eq", left: col("flag"), right: val(b) }) as ExprNode),
  pattern.map((p) => ({ kind: "like", operand: col("name"), pattern: val(p) }) as ExprNode),
  fc.array(fc.option(intValue, { freq: 5 }), { maxLength: 4 }).map((values) => ({ kind: "in", operand: col("n"), values: values.map(val) }) as ExprNode),
  fc.array(textValue, { maxLength: 3 }).map((values) => ({ kind: "in", operand: col("name"), values: values.map(val) }) as ExprNode),
  fc.constantFrom("name", "n", "r", "flag").chain((c) => fc.constantFrom<ExprNode>({ kind: "isNull", operand: col(c) }, { kind: "isNotNull", operand: col(c) })),
)

const condition: fc.Arbitrary<ExprNode> = fc.letrec<{ expr: ExprNode }>((tie) => ({
  expr: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    leaf,
    fc.array(tie("expr"), { maxLength: 3 }).map((operands) => ({ kind: "and", operands }) as ExprNode),
    fc.array(tie("expr"), { maxLength: 3 }).map((operands) => ({ kind: "or", operands }) as ExprNode),
    tie("expr").map((operand) => ({ kind: "not", operand }) as ExprNode),
    // The same node object twice: a shape whose template must not be cached (see compileSelect).
    tie("expr").map((e) => ({ kind: "or", operands: [e, e] }) as ExprNode),
  ),
})).expr

const orderTerm = fc.record({ column: fc.constantFrom("name", "kind", "n", "r", "flag"), direction: fc.constantFrom("asc" as const, "desc" as const) })

const plainSelect: fc.Arbitrary<SelectNode> = fc
  .record({
    where: fc.option(condition, { freq: 4 }),
    orderBy: fc.array(orderTerm, { maxLength: 2 }),
    limit: fc.option(fc.integer({ min: 0, max: 12 })),
    offset: fc.option(fc.integer({ min: 0, max: 6 })),
    projection: fc.option(fc.subarray(["id", "name", "n", "flag"], { minLength: 1 })),
  })
  .map(({ where, orderBy, limit, offset, projection }): SelectNode => ({
    kind: "select",
    from: "items",
    joins: [],
    projection: projection === null ? null : projection.map((c) => ({ alias: `p_${c}`, expr: col(c) })),
    where,
    groupBy: [],
    having: null,
    orderBy: orderBy.map((o) => ({ expr: col(o.column), direction: o.direction })),
    limit,
    offset,
  }))

const aggregateSelect: fc.Arbitrary<SelectNode> = fc
  .record({ where: fc.option(condition), group: fc.constantFrom("kind", "flag", "n"), desc: fc.boolean(), having: fc.option(fc.integer({ min: 0, max: 3 })) })
  .map(({ where, group, desc, having }) => {
    const n: ExprNode = { kind: "aggregate", fn: "count", operand: null }
    return {
      kind: "select",
      from: "items",
      joins: [],
      projection: [
        { alias: "g", expr: col(group) },
        { alias: "cnt", expr: n },
        { alias: "total", expr: { kind: "aggregate", fn: "sum", operand: { kind: "column", table: "items", column: "n" } } },
        { alias: "lo", expr: { kind: "aggregate", fn: "min", operand: { kind: "column", table: "items", column: "name" } } },
        { alias: "hi", expr: { kind: "aggregate", fn: "max", operand: { kind: "column", table: "items", column: "r" } } },
      ],
      where,
      groupBy: [{ kind: "column", table: "items", column: group }],
      having: having === null ? null : { kind: "compare", op: "gt", left: n, right: val(having) },
      orderBy: desc ? [{ expr: n, direction: "desc" }] : [],
      limit: null,
      offset: null,
    } as SelectNode
  })

describe("compileSelect agrees with the in-memory evaluator (property)", () => {
  let fixture: Awaited<ReturnType<typeof createBetterSqlite3>>
  beforeAll(async () => {
    fixture = await createBetterSqlite3()
    await ensureSchema({ schema, executor: fixture.executor })
    await fixture.executor.batch(insertStatements(items, SEED, 999))
  })
  afterAll(() => fixture.dispose())

  const agree = async (node: SelectNode): Promise<void> => {
    validateQuery(schema, node)
    const compiled = compileSelect(schema, node)
    const viaSql = compiled.decode(await fixture.executor.all(compiled.query))
    const inMemory = evaluateSelect(schema, node, () => SEED)
    expect(viaSql).toEqual(inMemory)
  }

  it("plain selects", async () => {
    await fc.assert(fc.asyncProperty(plainSelect, agree), { numRuns: 400 })
  })

  it("grouped aggregates", async () => {
    await fc.assert(fc.asyncProperty(aggregateSelect, agree), { numRuns: 150 })
  })

  it("a cached shape never reuses the values of a query that shared a node", async () => {
    const shared = val("apple")
    const twice: ExprNode = { kind: "or", operands: [{ kind: "compare", op: "eq", left: col("name"), right: shared }, { kind: "compare", op: "eq", left: col("kind"), right: shared }] }
    const distinct: ExprNode = { kind: "or", operands: [{ kind: "compare", op: "eq", left: col("name"), right: val("banana") }, { kind: "compare", op: "eq", left: col("kind"), right: val("x") }] }
    const base: SelectNode = { kind: "select", from: "items", joins: [], projection: null, where: twice, groupBy: [], having: null, orderBy: [], limit: null, offset: null }
    await agree(base)
    await agree({ ...base, where: distinct })
    expect(compileSelect(schema, { ...base, where: distinct }).query.params).toEqual(["banana", "x"])
  })

  it("offset without limit binds only real parameters", async () => {
    const node: SelectNode = { kind: "select", from: "items", joins: [], projection: null, where: null, groupBy: [], having: null, orderBy: [], limit: null, offset: 3 }
    await agree(node)
    expect(compileSelect(schema, node).query.params).toEqual([3])
  })
})
