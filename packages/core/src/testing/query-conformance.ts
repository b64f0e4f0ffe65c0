/**
 * The query conformance suite: one set of queries with hand-worked expectations that every
 * engine (memory, better-sqlite3, D1) must answer identically, rows and order. It only uses the
 * public `Db` API and engine-neutral assertions (errors by `code`, floats from averages with
 * `toBeCloseTo`), so an engine passes it by agreeing with SQLite, not with another engine.
 *
 * @example
 * describeQueryConformance("memory engine", async (schema) => {
 *   const { db } = createMemoryEngine(schema)
 *   return { db, dispose() {} }
 * })
 */
import { afterEach, beforeEach, describe, expect, it } from "vitest"
import type { AnySchema } from "../schema/define-schema.js"
import type { Db } from "../query/db.js"
import { and, asc, avg, count, desc, eq, gt, gte, inArray, isNotNull, isNull, like, lt, lte, max, min, ne, not, or, sum } from "../query/operators.js"
import { comments, conformanceSchema, seedComments, seedTagLinks, seedTags, seedTodos, seedUsers, tagLinks, tags, todos, users } from "./conformance-schema.js"

/** What the factory hands the suite: a `Db` over a fresh, empty store of `schema`. */
export interface ConformanceSubject {
  readonly db: Db<AnySchema>
  dispose(): Promise<void> | void
}

export type ConformanceFactory = (schema: AnySchema) => Promise<ConformanceSubject>

type Row = Record<string, unknown>

function ids(rows: readonly Row[]): unknown[] {
  return rows.map((r) => r.id)
}

function todo(id: string): Row {
  const row = seedTodos.find((t) => t.id === id)
  if (row === undefined) throw new Error(`no seed todo ${id}`)
  return structuredClone(row) as Row
}

function user(id: string): Row {
  const row = seedUsers.find((u) => u.id === id)
  if (row === undefined) throw new Error(`no seed user ${id}`)
  return { ...row }
}

/** Awaits `run` and checks it failed with `code` and a message naming every word of `mentions`. */
async function expectFailure(run: PromiseLike<unknown>, code: string, mentions: readonly string[] = []): Promise<void> {
  let caught: unknown = undefined
  try {
    await run
  } catch (error) {
    caught = error
  }
  expect(caught, `expected a PlasmaError "${code}"`).toBeInstanceOf(Error)
  expect((caught as { code?: unknown }).code).toBe(code)
  for (const word of mentions) expect((caught as Error).message).toContain(word)
}

async function seed(db: Db<AnySchema>): Promise<void> {
  await db.insert(users).values(seedUsers.map((u) => ({ ...u })))
  // Leave `done` out where it is false (the default) and `note` where it is NULL on t1, so
  // defaults and omitted nullable columns are part of what every engine must agree on.
  await db.insert(todos).values(
    seedTodos.map((t) => {
      const row: Record<string, unknown> = structuredClone(t)
      if (row.done === false) delete row.done
      if (t.id === "t1") delete row.note
      return row as never
    }),
  )
  await db.insert(comments).values(seedComments.map((c) => ({ ...c })))
  await db.insert(tags).values([{ id: "g1", slug: "home" }, { ...seedTags[1] }])
  await db.insert(tagLinks).values(seedTagLinks.map((l) => ({ ...l })))
}

/**
 * Registers the query conformance suite under `name`. `factory` creates an empty engine for
 * the suite's schema (`conformanceSchema`) before every test; `dispose` runs after it.
 */
export function describeQueryConformance(name: string, factory: ConformanceFactory): void {
  describe(`query conformance: ${name}`, () => {
    let subject: ConformanceSubject | null = null
    let db: Db<AnySchema>

    beforeEach(async () => {
      subject = await factory(conformanceSchema)
      db = subject.db
      await seed(db)
    })
    afterEach(async () => {
      await subject?.dispose()
      subject = null
    })

    const where = async (condition: Parameters<ReturnType<ReturnType<Db<AnySchema>["select"]>["from"]>["where"]>[0]) =>
      ids(await db.select().from(todos).where(condition))

    describe("seed", () => {
      it("reads back every seeded row in id order, defaults and NULLs included", async () => {
        expect(await db.select().from(users)).toEqual(seedUsers.map((u) => ({ ...u })))
        expect(await db.select().from(todos)).toEqual(seedTodos.map((t) => todo(t.id)))
        expect(await db.select().from(comments)).toEqual(seedComments.map((c) => ({ ...c })))
        expect(await db.select().from(tags)).toEqual(seedTags.map((t) => ({ ...t })))
      })
    })

    describe("comparison operators", () => {
      it("eq / ne", async () => {
        expect(await where(eq(todos.priority, 2))).toEqual(["t1", "t4", "t6"])
        expect(await where(ne(todos.priority, 2))).toEqual(["t2", "t3", "t5"])
        expect(await where(eq(todos.title, "buy eggs"))).toEqual(["t2"])
        expect(await where(eq(todos.done, true))).toEqual(["t2", "t4"])
        expect(await where(eq(todos.done, false))).toEqual(["t1", "t3", "t5", "t6"])
      })
      it("gt / gte / lt / lte on integers", async () => {
        expect(await where(gt(todos.priority, 1))).toEqual(["t1", "t3", "t4", "t6"])
        expect(await where(gte(todos.priority, 2))).toEqual(["t1", "t3", "t4", "t6"])
        expect(await where(lt(todos.priority, 2))).toEqual(["t2", "t5"])
        expect(await where(lte(todos.priority, -1))).toEqual(["t5"])
        expect(await where(gt(todos.priority, -5))).toEqual(["t1", "t2", "t3", "t4", "t5", "t6"])
      })
      it("compares reals, and a NULL side never matches", async () => {
        expect(await where(gt(todos.score, 1.5))).toEqual(["t4", "t5"])
        expect(await where(gte(todos.score, 1.5))).toEqual(["t1", "t4", "t5", "t6"])
        expect(await where(ne(todos.score, 1.5))).toEqual(["t2", "t4", "t5"])
        expect(await where(lt(todos.score, 0))).toEqual(["t2"])
        expect(await where(eq(todos.score, 10))).toEqual(["t4"])
      })
      it("compares text by code point (BINARY collation)", async () => {
        // "B" < "W" < "a" < "b" < "w" < "É"
        expect(await where(gt(todos.title, "a"))).toEqual(["t2", "t4", "t5"])
        expect(await where(lt(todos.title, "C"))).toEqual(["t1", "t6"])
        expect(await where(gte(todos.note, "É"))).toEqual(["t5", "t6"])
      })
      it("compares two columns", async () => {
        const rows = await db.select({ id: todos.id }).from(todos).innerJoin(users, eq(todos.ownerId, users.id)).where(gt(users.age, todos.priority))
        expect(rows).toEqual([{ id: "t1" }, { id: "t2" }, { id: "t3" }, { id: "t4" }, { id: "t6" }])
      })
      it("eq(x, null) is isNull and ne(x, null) is isNotNull", async () => {
        expect(await where(eq(todos.note, null))).toEqual(["t1", "t4"])
        expect(await where(ne(todos.note, null))).toEqual(["t2", "t3", "t5", "t6"])
      })
      it("isNull / isNotNull", async () => {
        expect(await where(isNull(todos.score))).toEqual(["t3"])
        expect(await where(isNotNull(todos.note))).toEqual(["t2", "t3", "t5", "t6"])
        expect(await where(isNull(todos.meta))).toEqual(["t2", "t4", "t6"])
      })
    })

    describe("logic (three-valued)", () => {
      it("and / or / not", async () => {
        expect(await where(and(eq(todos.done, false), gte(todos.priority, 2)))).toEqual(["t1", "t3", "t6"])
        expect(await where(or(eq(todos.priority, -1), eq(todos.done, true)))).toEqual(["t2", "t4", "t5"])
        expect(await where(not(eq(todos.done, true)))).toEqual(["t1", "t3", "t5", "t6"])
      })
      it("empty and() is true, empty or() is false", async () => {
        expect(await where(and())).toEqual(["t1", "t2", "t3", "t4", "t5", "t6"])
        expect(await where(or())).toEqual([])
      })
      it("NULL propagates through not, and, or", async () => {
        // t3 has score NULL: not(NULL > 1) is NULL, so t3 is left out either way.
        expect(await where(not(gt(todos.score, 1)))).toEqual(["t2"])
        expect(await where(gt(todos.score, 1))).toEqual(["t1", "t4", "t5", "t6"])
        // NULL or true = true; NULL and true = NULL.
        expect(await where(or(gt(todos.score, 5), eq(todos.priority, 3)))).toEqual(["t3", "t4"])
        expect(await where(and(lt(todos.score, 100), eq(todos.priority, 3)))).toEqual([])
        expect(await where(not(and(lt(todos.score, 100), eq(todos.priority, 3))))).toEqual(["t1", "t2", "t4", "t5", "t6"])
        // NULL and false = false, so not(...) is true for t3.
        expect(await where(not(and(gt(todos.score, 0), eq(todos.priority, 99))))).toEqual(["t1", "t2", "t3", "t4", "t5", "t6"])
      })
    })

    describe("inArray", () => {
      it("matches any listed value", async () => {
        expect(await where(inArray(todos.priority, [1, 3]))).toEqual(["t2", "t3"])
        expect(await where(inArray(todos.id, ["t5", "t1", "zz"]))).toEqual(["t1", "t5"])
        expect(await where(inArray(todos.done, [true]))).toEqual(["t2", "t4"])
      })
      it("an empty list is false, even for a NULL operand", async () => {
        expect(await where(inArray(todos.priority, []))).toEqual([])
        expect(await where(not(inArray(todos.priority, [])))).toEqual(["t1", "t2", "t3", "t4", "t5", "t6"])
        expect(await where(not(inArray(todos.score, [])))).toEqual(["t1", "t2", "t3", "t4", "t5", "t6"])
      })
      it("a NULL in the list makes a miss NULL, not false", async () => {
        expect(await where(inArray(todos.note, ["urgent", null]))).toEqual(["t2"])
        expect(await where(not(inArray(todos.note, ["urgent", null])))).toEqual([])
        expect(await where(not(inArray(todos.note, ["urgent"])))).toEqual(["t3", "t5", "t6"])
      })
    })

    describe("like", () => {
      it("folds ASCII case with % and _", async () => {
        expect(await where(like(todos.title, "buy%"))).toEqual(["t1", "t2", "t6"])
        expect(await where(like(todos.title, "%E%"))).toEqual(["t2", "t3", "t4", "t6"])
        expect(await where(like(todos.title, "_uy%"))).toEqual(["t1", "t2", "t6"])
        expect(await where(like(todos.title, "walk_dog"))).toEqual(["t5"])
        expect(await where(like(todos.title, "w_lk%g"))).toEqual(["t5"])
        expect(await where(like(todos.title, "%"))).toEqual(["t1", "t2", "t3", "t4", "t5", "t6"])
        expect(await where(like(todos.title, "milk"))).toEqual([])
      })
      it("does not fold non-ASCII letters; _ is one character; NULL never matches", async () => {
        expect(await where(like(todos.note, "été"))).toEqual(["t6"])
        expect(await where(like(todos.note, "ÉTÉ"))).toEqual(["t5"])
        expect(await where(like(todos.note, "%T%"))).toEqual(["t2", "t5", "t6"])
        expect(await where(like(todos.note, "b_ro"))).toEqual(["t3"])
        expect(await where(like(todos.title, "_clair%"))).toEqual(["t4"])
        expect(await where(not(like(todos.note, "%")))).toEqual([])
      })
    })

    describe("projection and order", () => {
      it("projects aliases and orders text by code point", async () => {
        const rows = await db.select({ name: users.name, mail: users.email }).from(users).orderBy(users.name)
        expect(rows).toEqual([
          { name: "Alice", mail: "alice@example.com" },
          { name: "Zoë", mail: null },
          { name: "bob", mail: null },
          { name: "Çelik", mail: "c@example.com" },
        ])
      })
      it("orders U+FFFD before an astral character (UTF-8 order, not UTF-16)", async () => {
        await db.insert(users).values([
          { id: "u5", name: "\u{1F600}", email: null, age: null },
          { id: "u6", name: "\uFFFD", email: null, age: null },
        ])
        const picked = inArray(users.id, ["u5", "u6"])
        expect(await db.select({ name: users.name }).from(users).where(picked).orderBy(users.name)).toEqual([{ name: "\uFFFD" }, { name: "\u{1F600}" }])
        expect(await db.select({ name: users.name }).from(users).where(picked).orderBy(desc(users.name))).toEqual([{ name: "\u{1F600}" }, { name: "\uFFFD" }])
        expect(ids(await db.select().from(users).where(gt(users.name, "\uFFFD")))).toEqual(["u5"])
      })
      it("sorts NULLs first ascending and last descending, ties by id ascending", async () => {
        expect(ids(await db.select().from(todos).orderBy(asc(todos.score)))).toEqual(["t3", "t2", "t1", "t6", "t5", "t4"])
        expect(ids(await db.select().from(todos).orderBy(desc(todos.score)))).toEqual(["t4", "t5", "t1", "t6", "t2", "t3"])
        expect(ids(await db.select().from(todos).orderBy(todos.note))).toEqual(["t1", "t4", "t3", "t2", "t5", "t6"])
        expect(ids(await db.select().from(todos).orderBy(desc(todos.note)))).toEqual(["t6", "t5", "t2", "t3", "t1", "t4"])
      })
      it("orders by several keys", async () => {
        expect(ids(await db.select().from(todos).orderBy(desc(todos.priority), asc(todos.title)))).toEqual(["t3", "t6", "t1", "t4", "t2", "t5"])
        expect(ids(await db.select().from(todos).orderBy(todos.done, desc(todos.score)))).toEqual(["t5", "t1", "t6", "t3", "t4", "t2"])
        expect(ids(await db.select().from(todos).orderBy(desc(todos.id)))).toEqual(["t6", "t5", "t4", "t3", "t2", "t1"])
      })
      it("limit and offset", async () => {
        const byPriority = () => db.select().from(todos).orderBy(todos.priority)
        expect(ids(await byPriority())).toEqual(["t5", "t2", "t1", "t4", "t6", "t3"])
        expect(ids(await byPriority().limit(2))).toEqual(["t5", "t2"])
        expect(ids(await byPriority().limit(2).offset(2))).toEqual(["t1", "t4"])
        expect(ids(await byPriority().offset(4))).toEqual(["t6", "t3"])
        expect(ids(await byPriority().limit(0))).toEqual([])
        expect(ids(await byPriority().offset(10))).toEqual([])
        expect(ids(await db.select().from(todos).limit(3))).toEqual(["t1", "t2", "t3"])
      })
    })

    describe("aggregates", () => {
      it("computes every aggregate over all rows", async () => {
        const [row, ...rest] = await db
          .select({
            n: count(),
            scored: count(todos.score),
            scoreSum: sum(todos.score),
            prioritySum: sum(todos.priority),
            priorityAvg: avg(todos.priority),
            scoreAvg: avg(todos.score),
            lowest: min(todos.score),
            highest: max(todos.score),
            firstTitle: min(todos.title),
            lastTitle: max(todos.title),
            anyDone: max(todos.done),
            allDone: min(todos.done),
          })
          .from(todos)
        expect(rest).toEqual([])
        expect(row).toMatchObject({
          n: 6,
          scored: 5,
          scoreSum: 15.5,
          prioritySum: 9,
          priorityAvg: 1.5,
          lowest: -0.25,
          highest: 10,
          firstTitle: "BUY BREAD",
          lastTitle: "Éclair recipe",
          anyDone: true,
          allDone: false,
        })
        expect(row?.scoreAvg).toBeCloseTo(3.1, 10)
      })
      it("over no rows: one row without GROUP BY, none with it", async () => {
        const none = eq(todos.priority, 99)
        expect(
          await db.select({ n: count(), c: count(todos.score), s: sum(todos.priority), a: avg(todos.score), lo: min(todos.title), hi: max(todos.score) }).from(todos).where(none),
        ).toEqual([{ n: 0, c: 0, s: null, a: null, lo: null, hi: null }])
        expect(await db.select({ owner: todos.ownerId, n: count() }).from(todos).where(none).groupBy(todos.ownerId)).toEqual([])
        // sum over only NULLs is NULL, count(col) 0.
        expect(await db.select({ s: sum(todos.score), c: count(todos.score), n: count() }).from(todos).where(eq(todos.id, "t3"))).toEqual([{ s: null, c: 0, n: 1 }])
      })
      it("groups, ordered by the group columns", async () => {
        const rows = await db.select({ owner: todos.ownerId, n: count(), total: sum(todos.priority), best: max(todos.score) }).from(todos).groupBy(todos.ownerId)
        expect(rows).toEqual([
          { owner: "u1", n: 3, total: 5, best: 1.5 },
          { owner: "u2", n: 2, total: 5, best: 10 },
          { owner: "u3", n: 1, total: -1, best: 2.75 },
        ])
      })
      it("groups by a nullable column (NULL is one group, first)", async () => {
        const rows = await db.select({ score: todos.score, n: count() }).from(todos).groupBy(todos.score)
        expect(rows).toEqual([
          { score: null, n: 1 },
          { score: -0.25, n: 1 },
          { score: 1.5, n: 2 },
          { score: 2.75, n: 1 },
          { score: 10, n: 1 },
        ])
      })
      it("having and ordering by an aggregate", async () => {
        const base = () => db.select({ owner: todos.ownerId, n: count() }).from(todos).groupBy(todos.ownerId)
        expect(await base().having(gt(count(), 1))).toEqual([
          { owner: "u1", n: 3 },
          { owner: "u2", n: 2 },
        ])
        expect(await base().having(lt(sum(todos.priority), 5))).toEqual([{ owner: "u3", n: 1 }])
        expect(await base().having(and(gte(count(), 2), eq(todos.ownerId, "u2")))).toEqual([{ owner: "u2", n: 2 }])
        expect(await base().orderBy(asc(count()))).toEqual([
          { owner: "u3", n: 1 },
          { owner: "u2", n: 2 },
          { owner: "u1", n: 3 },
        ])
        expect(await base().orderBy(desc(max(todos.score))).limit(1)).toEqual([{ owner: "u2", n: 2 }])
      })
      it("filters before grouping", async () => {
        const rows = await db.select({ done: todos.done, n: count(), avgPriority: avg(todos.priority) }).from(todos).where(ne(todos.ownerId, "u3")).groupBy(todos.done)
        expect(rows).toEqual([
          { done: false, n: 3, avgPriority: 7 / 3 },
          { done: true, n: 2, avgPriority: 1.5 },
        ])
      })
    })

    describe("joins", () => {
      it("inner join without projection nests rows by table", async () => {
        const rows = await db.select().from(todos).innerJoin(users, eq(todos.ownerId, users.id)).where(eq(users.name, "bob"))
        expect(rows).toEqual([
          { todos: todo("t3"), users: user("u2") },
          { todos: todo("t4"), users: user("u2") },
        ])
      })
      it("inner join with projection", async () => {
        const rows = await db
          .select({ title: todos.title, owner: users.name })
          .from(todos)
          .innerJoin(users, eq(todos.ownerId, users.id))
          .where(isNotNull(users.email))
          .orderBy(desc(todos.priority))
        expect(rows).toEqual([
          { title: "Buy milk", owner: "Alice" },
          { title: "BUY BREAD", owner: "Alice" },
          { title: "buy eggs", owner: "Alice" },
          { title: "walk dog", owner: "Çelik" },
        ])
      })
      it("left join pads with NULL, ordered by each table's id", async () => {
        const rows = await db.select({ user: users.id, todo: todos.id }).from(users).leftJoin(todos, eq(todos.ownerId, users.id))
        expect(rows).toEqual([
          { user: "u1", todo: "t1" },
          { user: "u1", todo: "t2" },
          { user: "u1", todo: "t6" },
          { user: "u2", todo: "t3" },
          { user: "u2", todo: "t4" },
          { user: "u3", todo: "t5" },
          { user: "u4", todo: null },
        ])
        expect(await db.select().from(users).leftJoin(todos, eq(todos.ownerId, users.id)).where(eq(users.id, "u4"))).toEqual([{ users: user("u4"), todos: null }])
        expect(await db.select().from(comments).leftJoin(todos, eq(comments.todoId, todos.id)).where(isNull(todos.id))).toEqual([
          { comments: { id: "c3", body: "orphan", todoId: null }, todos: null },
        ])
      })
      it("a left join condition that is false or NULL pads instead of dropping", async () => {
        const rows = await db
          .select({ user: users.id, todo: todos.id })
          .from(users)
          .leftJoin(todos, and(eq(todos.ownerId, users.id), gt(todos.score, 2)))
        expect(rows).toEqual([
          { user: "u1", todo: null },
          { user: "u2", todo: "t4" },
          { user: "u3", todo: "t5" },
          { user: "u4", todo: null },
        ])
      })
      it("joins three tables", async () => {
        const rows = await db
          .select({ comment: comments.id, todo: todos.title, owner: users.name })
          .from(comments)
          .leftJoin(todos, eq(comments.todoId, todos.id))
          .leftJoin(users, eq(todos.ownerId, users.id))
        expect(rows).toEqual([
          { comment: "c1", todo: "Buy milk", owner: "Alice" },
          { comment: "c2", todo: "Write report", owner: "bob" },
          { comment: "c3", todo: null, owner: null },
        ])
      })
      it("groups over a join", async () => {
        expect(await db.select({ name: users.name, n: count() }).from(users).innerJoin(todos, eq(todos.ownerId, users.id)).groupBy(users.name)).toEqual([
          { name: "Alice", n: 3 },
          { name: "bob", n: 2 },
          { name: "Çelik", n: 1 },
        ])
        expect(
          await db.select({ id: users.id, name: users.name, n: count(todos.id) }).from(users).leftJoin(todos, eq(todos.ownerId, users.id)).groupBy(users.id, users.name),
        ).toEqual([
          { id: "u1", name: "Alice", n: 3 },
          { id: "u2", name: "bob", n: 2 },
          { id: "u3", name: "Çelik", n: 1 },
          { id: "u4", name: "Zoë", n: 0 },
        ])
      })
    })

    describe("values", () => {
      it("round-trips booleans and json", async () => {
        const meta = { tags: ["ü", "\u{1F600}"], n: -1.5, nested: { a: [1, null, true, "x"] }, empty: {} }
        await db.insert(todos).values({ id: "t7", title: "json", priority: 0, done: true, meta, ownerId: "u4" })
        const [row] = await db.select().from(todos).where(eq(todos.id, "t7"))
        expect(row).toEqual({ id: "t7", title: "json", priority: 0, score: null, done: true, meta, note: null, ownerId: "u4" })
        expect(typeof row?.done).toBe("boolean")
        const [t3] = await db.select({ meta: todos.meta, done: todos.done }).from(todos).where(eq(todos.id, "t3"))
        expect(t3).toEqual({ meta: { tags: ["work", "q3"] }, done: false })
        await db.insert(todos).values({ id: "t8", title: "scalar json", priority: 0, meta: "just a string", ownerId: "u4" })
        expect(await db.select({ meta: todos.meta }).from(todos).where(eq(todos.id, "t8"))).toEqual([{ meta: "just a string" }])
      })
    })

    describe("writes", () => {
      it("inserts one row and many, filling defaults", async () => {
        expect(await db.insert(tags).values({ id: "g3", slug: "later" })).toEqual({ rowsAffected: 1 })
        expect(
          await db.insert(tags).values([
            { id: "g4", slug: "a", color: "red" },
            { id: "g5", slug: "b", weight: 7 },
            { id: "g6", slug: "c", color: "green", weight: 0 },
          ]),
        ).toEqual({ rowsAffected: 3 })
        expect(await db.select().from(tags).where(inArray(tags.id, ["g3", "g4", "g5", "g6"]))).toEqual([
          { id: "g3", slug: "later", color: "gray", weight: 1 },
          { id: "g4", slug: "a", color: "red", weight: 1 },
          { id: "g5", slug: "b", color: "gray", weight: 7 },
          { id: "g6", slug: "c", color: "green", weight: 0 },
        ])
      })
      it("updates matched rows and counts them even when unchanged", async () => {
        expect(await db.update(todos).set({ done: true }).where(eq(todos.ownerId, "u1"))).toEqual({ rowsAffected: 3 })
        expect(await where(eq(todos.done, true))).toEqual(["t1", "t2", "t4", "t6"])
        expect(await db.update(todos).set({ score: null, note: "n" }).where(eq(todos.id, "t1"))).toEqual({ rowsAffected: 1 })
        const [t1] = await db.select().from(todos).where(eq(todos.id, "t1"))
        expect(t1).toEqual({ ...todo("t1"), done: true, score: null, note: "n" })
        expect(await db.update(todos).set({ priority: 5 }).where(eq(todos.id, "nope"))).toEqual({ rowsAffected: 0 })
        expect(await db.update(todos).set({ priority: 0 })).toEqual({ rowsAffected: 6 })
        expect(await where(eq(todos.priority, 0))).toEqual(["t1", "t2", "t3", "t4", "t5", "t6"])
      })
      it("deletes matched rows", async () => {
        expect(await db.delete(todos).where(lt(todos.priority, 2))).toEqual({ rowsAffected: 2 })
        expect(ids(await db.select().from(todos))).toEqual(["t1", "t3", "t4", "t6"])
        expect(await db.delete(todos).where(eq(todos.id, "nope"))).toEqual({ rowsAffected: 0 })
        expect(await db.delete(comments)).toEqual({ rowsAffected: 3 })
        expect(await db.select().from(comments)).toEqual([])
      })
      it("cascades deletes and sets references to NULL", async () => {
        expect(await db.delete(users).where(eq(users.id, "u1"))).toEqual({ rowsAffected: 1 })
        expect(ids(await db.select().from(users))).toEqual(["u2", "u3", "u4"])
        expect(ids(await db.select().from(todos))).toEqual(["t3", "t4", "t5"])
        // t1 went with u1, so c1 lost its todo and l1 (cascade from t1) is gone.
        expect(await db.select().from(comments)).toEqual([
          { id: "c1", body: "nice", todoId: null },
          { id: "c2", body: "ok", todoId: "t3" },
          { id: "c3", body: "orphan", todoId: null },
        ])
        expect(await db.select().from(tagLinks)).toEqual([])
      })
      it("sets a reference to NULL on a direct delete", async () => {
        expect(await db.delete(todos).where(eq(todos.id, "t3"))).toEqual({ rowsAffected: 1 })
        expect(await db.select({ id: comments.id, todoId: comments.todoId }).from(comments)).toEqual([
          { id: "c1", todoId: "t1" },
          { id: "c2", todoId: null },
          { id: "c3", todoId: null },
        ])
      })
      it("restrict refuses the delete and nothing changes", async () => {
        await expectFailure(db.delete(tags).where(eq(tags.id, "g1")), "constraint-violation")
        await expectFailure(db.delete(tags), "constraint-violation")
        expect(ids(await db.select().from(tags))).toEqual(["g1", "g2"])
        expect(await db.delete(tags).where(eq(tags.id, "g2"))).toEqual({ rowsAffected: 1 })
        // Once the link is gone (with its todo), the tag may go.
        await db.delete(todos).where(eq(todos.id, "t1"))
        expect(await db.delete(tags).where(eq(tags.id, "g1"))).toEqual({ rowsAffected: 1 })
      })
    })

    describe("constraints", () => {
      it("a duplicate id refuses the whole insert", async () => {
        await expectFailure(
          db.insert(users).values([
            { id: "u7", name: "new 1" },
            { id: "u8", name: "new 2" },
            { id: "u1", name: "dup" },
          ]),
          "constraint-violation",
        )
        await expectFailure(
          db.insert(users).values([
            { id: "u9", name: "a" },
            { id: "u9", name: "b" },
          ]),
          "constraint-violation",
        )
        expect(await db.select().from(users)).toEqual(seedUsers.map((u) => ({ ...u })))
      })
      it("a duplicate value in a unique column is refused", async () => {
        await expectFailure(db.insert(tags).values({ id: "g3", slug: "home" }), "constraint-violation")
        await expectFailure(db.update(tags).set({ slug: "home" }).where(eq(tags.id, "g2")), "constraint-violation")
        expect(await db.select().from(tags)).toEqual(seedTags.map((t) => ({ ...t })))
      })
      it("a reference to a missing row is refused", async () => {
        await expectFailure(db.insert(todos).values({ id: "t9", title: "x", priority: 1, ownerId: "nobody" }), "constraint-violation")
        await expectFailure(db.update(todos).set({ ownerId: "nobody" }).where(eq(todos.id, "t1")), "constraint-violation")
        expect(await db.select().from(todos)).toEqual(seedTodos.map((t) => todo(t.id)))
      })
    })

    describe("invalid values", () => {
      it("a value of the wrong kind names table and column, and nothing is written", async () => {
        await expectFailure(db.insert(todos).values({ id: "t9", title: "x", priority: "high" as never, ownerId: "u1" }), "invalid-value", ["todos", "priority"])
        await expectFailure(
          db.insert(todos).values([
            { id: "t9", title: "ok", priority: 1, ownerId: "u1" },
            { id: "t10", title: "bad", priority: 1, done: "yes" as never, ownerId: "u1" },
          ]),
          "invalid-value",
          ["todos", "done"],
        )
        await expectFailure(db.insert(todos).values({ id: "t9", title: "x", priority: 1.5, ownerId: "u1" }), "invalid-value", ["todos", "priority"])
        await expectFailure(db.update(todos).set({ score: "high" as never }).where(eq(todos.id, "t1")), "invalid-value", ["todos", "score"])
        expect(await db.select().from(todos)).toEqual(seedTodos.map((t) => todo(t.id)))
      })
      it("an unknown column names table and column", async () => {
        await expectFailure(db.insert(users).values({ id: "u9", name: "x", bogus: 1 } as never), "invalid-value", ["users", "bogus"])
        await expectFailure(db.update(users).set({ bogus: 1 } as never), "invalid-value", ["users", "bogus"])
        expect(ids(await db.select().from(users))).toEqual(["u1", "u2", "u3", "u4"])
      })
      it("NULL into NOT NULL names table and column", async () => {
        await expectFailure(db.insert(users).values({ id: "u9", name: null as never }), "invalid-value", ["users", "name"])
        await expectFailure(db.insert(users).values({ id: "u9" } as never), "invalid-value", ["users", "name"])
        await expectFailure(db.update(users).set({ name: null as never }).where(eq(users.id, "u1")), "invalid-value", ["users", "name"])
        expect(await db.select().from(users)).toEqual(seedUsers.map((u) => ({ ...u })))
      })
      it("a query value of the wrong kind names table and column", async () => {
        await expectFailure(db.select().from(todos).where(eq(todos.priority, "2" as never)), "invalid-value", ["todos", "priority"])
        await expectFailure(db.delete(todos).where(inArray(todos.done, [1 as never])), "invalid-value", ["todos", "done"])
        expect(ids(await db.select().from(todos))).toEqual(["t1", "t2", "t3", "t4", "t5", "t6"])
      })
    })
  })
}
