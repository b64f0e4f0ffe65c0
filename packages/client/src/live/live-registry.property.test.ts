/**
 * The incremental result must equal a full `evaluateSelect` over the same view after every
 * step: random views, random change sequences (small ones take the id-by-id path, large ones the
 * merge path), random single-table, join and aggregate queries. Along the way the firing rules
 * are checked too: a listener fires exactly when the result changed, unchanged rows keep their
 * objects, and each delta turns the previous result into the next one.
 */
import { isDeepStrictEqual } from "node:util"
import { evaluateSelect, type SelectNode } from "@plasma/core"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { groupRow, itemRow, query, schema, step, type Op } from "./live-arbitraries.js"
import { keyingOf, type LiveDelta } from "./live-delta.js"
import { createLiveRegistry } from "./live-registry.js"
import { contentKey, type Row } from "./row-identity.js"
import { ViewFixture } from "./view-fixture.js"

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
      fc.property(fc.array(groupRow, { maxLength: 4 }), fc.array(itemRow, { maxLength: 30 }), fc.array(query, { minLength: 1, maxLength: 6 }), fc.array(step, { minLength: 1, maxLength: 8 }), query, fc.array(fc.boolean(), { minLength: 8, maxLength: 8 }), (seedGroups, seedItems, nodes, steps, churnNode, churn) => {
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
        // One more query comes and goes between steps (its state is released and rebuilt while
        // the others keep theirs in the shared index).
        const churning = registry.create<Row>(churnNode)
        let stopChurning: (() => void) | undefined
        for (const [k, ops] of steps.entries()) {
          if (churn[k] === true && stopChurning === undefined) stopChurning = churning.subscribe(() => {})
          else if (churn[k] !== true && stopChurning !== undefined) {
            stopChurning()
            stopChurning = undefined
          }
          apply(view, ops)
          registry.notify(view.take())
          if (stopChurning !== undefined) expectEqual(churning.current, evaluateSelect(schema, churnNode, (t) => view.rows(t)))
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
      { numRuns: 150 },
    )
  })
})
