import { describe, expect, it } from "vitest"
import { createSyncStatusCell } from "./sync-status.js"

describe("sync status", () => {
  it("get() keeps the same frozen object until a value changes; listeners hear only changes", () => {
    const cell = createSyncStatusCell()
    const first = cell.get()
    expect(Object.isFrozen(first)).toBe(true)
    const heard: number[] = []
    const stop = cell.subscribe((s) => heard.push(s.outboxDepth))
    cell.update({ outboxDepth: 0, syncing: false })
    expect(cell.get()).toBe(first)
    cell.update({ outboxDepth: 2 })
    expect(cell.get()).not.toBe(first)
    expect(cell.get().outboxDepth).toBe(2)
    stop()
    cell.update({ outboxDepth: 3 })
    expect(heard).toEqual([2])
  })
})
