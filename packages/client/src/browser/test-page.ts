/**
 * The browser tests' page: a real `@plasma/client` on IndexedDB, syncing with the test server
 * at `/sync` as the user in `?user=`, in the client group `?group=`. It renders the notes and
 * puts its API on `window.plasmaTest` (see test-page-api.ts). Bundled by esbuild in the test.
 */
import { asc } from "@plasma/core"
// The package's public entry, from source: the test runs before the package's own build.
import { createPlasmaClient } from "../index.js"
import { mutators, notes, schema, SCHEMA_VERSION } from "./test-app.js"
import type { NoteRow, TestPageApi } from "./test-page-api.js"

const params = new URLSearchParams(location.search)
const user = params.get("user") ?? "anon"
const group = params.get("group") ?? `g-${user}`

let responses = 0
const errors: string[] = []
const client = createPlasmaClient({
  schema,
  mutators,
  schemaVersion: SCHEMA_VERSION,
  dbName: `notes-${user}`,
  endpoint: "/sync",
  clientGroupID: group,
  storage: "idb",
  getContext: () => ({ userId: user }),
  authHeaders: () => ({ authorization: `Bearer user:${user}` }),
  // Short, so the tests converge quickly; nothing asserts on timing.
  pollIntervalMs: 250,
  retry: { initialDelayMs: 50, maxDelayMs: 500 },
  fetcher: async (request) => {
    const response = await fetch(request)
    responses++
    return response
  },
  onError: (error) => errors.push(`${error.kind}: ${error.message}`),
})

let rows: readonly NoteRow[] = []
let first: { rows: readonly NoteRow[]; responsesBefore: number } | undefined
const live = client.db.select().from(notes).orderBy(asc(notes.id)).live()
live.subscribe((next) => {
  rows = next
  first ??= { rows: next, responsesBefore: responses }
  const list = document.getElementById("notes")
  if (list !== null) list.replaceChildren(...next.map((note) => Object.assign(document.createElement("li"), { textContent: note.title })))
})

const api: TestPageApi = {
  client,
  ready: live.whenReady().then(() => undefined),
  rows: () => rows,
  first: () => first,
  responses: () => responses,
  status: () => {
    const s = client.status.get()
    return { ...s, lastError: s.lastError === null ? null : `${s.lastError.kind}: ${s.lastError.message}` }
  },
  errors: () => errors,
}
window.plasmaTest = api
client.start()
