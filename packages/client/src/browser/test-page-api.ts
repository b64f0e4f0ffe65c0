/**
 * What the test page exposes on `window.plasmaTest` for the tests to drive through
 * `page.evaluate`: the client itself and a few plain-data views of it (rows, status, what was
 * delivered first and how many sync responses had arrived by then).
 */
import type { PlasmaClient, SyncStatus } from "../index.js"
import type { mutators, schema } from "./test-app.js"

/** A `notes` row as the page sees it. */
export interface NoteRow {
  readonly id: string
  readonly title: string
  readonly ownerId: string
  readonly edits: number
  readonly updatedAt: number
}

/** The page's test surface. */
export interface TestPageApi {
  readonly client: PlasmaClient<typeof schema, typeof mutators>
  /** Resolves when the live query of all notes delivered its first result. */
  readonly ready: Promise<void>
  /** The last result of the live query of all notes (ordered by id). */
  rows(): readonly NoteRow[]
  /** The first result the live query delivered, and how many sync responses had arrived before it. */
  first(): { readonly rows: readonly NoteRow[]; readonly responsesBefore: number } | undefined
  /** Sync responses (any status) received by this page so far. */
  responses(): number
  status(): Omit<SyncStatus, "lastError"> & { readonly lastError: string | null }
  /** Errors the client reported through `onError`, as strings. */
  errors(): readonly string[]
}

declare global {
  interface Window {
    plasmaTest: TestPageApi
  }
}
