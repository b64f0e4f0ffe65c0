/**
 * The server's history as the simulation saw it: every `_plasma_changes` entry, copied right
 * after each request or server operation (before any compaction can fold it). From it, the
 * state of every table at any version, and which tagged mutation produced each version.
 */
import { rowFromChangeJson } from "@plasma/core"
import type { SqlExecutor } from "@plasma/executors"
import { TABLES, type TableName } from "./world-schema.js"

export interface HistoryEntry {
  readonly version: number
  readonly table: string
  readonly id: string
  readonly op: "put" | "del"
  /** The row in its JavaScript form (`put` only). */
  readonly row: Readonly<Record<string, unknown>> | null
}

/** Table → id → row. */
export type TableState = Map<string, Map<string, Readonly<Record<string, unknown>>>>

export class ServerHistory {
  readonly entries: HistoryEntry[] = []
  readonly #executor: SqlExecutor
  #head = 0
  #recording: Promise<void> = Promise.resolve()

  constructor(executor: SqlExecutor) {
    this.#executor = executor
  }

  /** The newest version recorded. */
  get head(): number {
    return this.#head
  }

  /**
   * Copies the entries committed since the last call. Calls are chained: tabs sync in the
   * background too (a sibling's message schedules a push), so two requests may finish at once,
   * and two overlapping reads from the same head would copy the same entries twice.
   */
  record(): Promise<void> {
    const next = this.#recording.then(() => this.#copyNew())
    this.#recording = next.catch(() => undefined)
    return next
  }

  async #copyNew(): Promise<void> {
    const rows = await this.#executor.all<{ row_version: number; table_name: string; row_id: string; op: string; value: string | null }>({
      text: "SELECT row_version, table_name, row_id, op, value FROM _plasma_changes WHERE row_version > ? ORDER BY row_version",
      params: [this.#head],
    })
    for (const r of rows) {
      const version = Number(r.row_version)
      if (version <= this.#head) continue
      const table = TABLES[r.table_name as TableName] as (typeof TABLES)[TableName] | undefined
      const row = r.op === "put" && r.value !== null && table !== undefined ? rowFromChangeJson(table, JSON.parse(r.value) as Record<string, unknown>) : null
      this.entries.push({ version, table: r.table_name, id: r.row_id, op: r.op === "del" ? "del" : "put", row })
      this.#head = version
    }
  }

  /** Every table as it stood at `version`. */
  stateAt(version: number): TableState {
    const state: TableState = new Map(Object.keys(TABLES).map((name) => [name, new Map()]))
    for (const e of this.entries) {
      if (e.version > version) break
      const table = state.get(e.table)
      if (table === undefined) continue
      if (e.op === "put" && e.row !== null) table.set(e.id, e.row)
      else table.delete(e.id)
    }
    return state
  }
}
