/**
 * @module The page: a React app on `@plasma/client` and `@plasma/react`, running the Worker's own
 * `schema.ts` and `mutators.ts` (no mutator written twice, no hand-written sync code). Bundled by
 * esbuild (scripts/build-app.mjs) into Workers Static Assets.
 */
import { createPlasmaClient } from "@plasma/client"
import { PlasmaProvider } from "@plasma/react"
import { StrictMode } from "react"
import { createRoot } from "react-dom/client"
import { mutators } from "../mutators.js"
import { schema, SCHEMA_VERSION } from "../schema.js"
import { App } from "./app.js"
import { clientGroupOf, currentUser } from "./demo-identity.js"
import "./register.js"
import { askAboutSchemaMismatch } from "./schema-prompt.js"

const user = currentUser()
const plasma = createPlasmaClient({
  schema,
  mutators,
  schemaVersion: SCHEMA_VERSION,
  dbName: `todos-${user}`,
  endpoint: "/sync",
  clientGroupID: clientGroupOf(user),
  getContext: () => ({ userId: user }),
  authHeaders: () => ({ authorization: `Bearer user:${user}` }),
  // Pokes arrive on the presence socket (usePresence with pullOnPoke), one socket per tab; the
  // poll is the fallback.
  pollIntervalMs: 20_000,
  onSchemaMismatch: askAboutSchemaMismatch,
  onError: (error) => console.warn(`sync: ${error.kind}: ${error.message}`),
})
plasma.start()
addEventListener("pagehide", () => void plasma.close())

const root = document.getElementById("root")
if (root === null) throw new Error("no #root element")
createRoot(root).render(
  <StrictMode>
    <PlasmaProvider client={plasma}>
      <App user={user} />
    </PlasmaProvider>
  </StrictMode>,
)
