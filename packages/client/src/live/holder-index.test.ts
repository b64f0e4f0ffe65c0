import { describe, expect, it } from "vitest"
import { HolderIndex } from "./holder-index.js"

describe("HolderIndex", () => {
  it("counts holders per id and forgets an id nobody holds", () => {
    const index = new HolderIndex()
    const a = index.allocate()
    const b = index.allocate()
    const x = { x: 1 }
    index.put("t", "1", a, x)
    index.put("t", "1", b, x)
    const change = index.change("1")
    expect(index.holdersOf("t", change)?.count).toBe(2)
    index.putFor("t", change, a, undefined)
    index.putFor("t", change, b, undefined)
    expect(index.holdersOf("t", index.change("1"))).toBeUndefined()
    // Refilled through the same change: back in the index.
    index.putFor("t", change, b, x)
    expect(index.holdersOf("t", index.change("1"))?.items[b]).toBe(x)
  })

  it("looks a cached change up again after a write made outside it", () => {
    const index = new HolderIndex()
    const a = index.allocate()
    const change = index.change("1")
    expect(index.holdersOf("t", change)).toBeUndefined()
    const x = { x: 1 }
    index.put("t", "1", a, x)
    expect(index.holdersOf("t", change)?.items[a]).toBe(x)
  })

  it("reuses released slots", () => {
    const index = new HolderIndex()
    const a = index.allocate()
    index.allocate()
    index.release(a)
    expect(index.allocate()).toBe(a)
  })
})
