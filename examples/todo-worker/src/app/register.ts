/** Tells `@plasma/react` the app's client type, so every hook infers rows and mutator args. */
import type { PlasmaClient } from "@plasma/client"
import type { mutators } from "../mutators.js"
import type { schema } from "../schema.js"

/** The page's client: the Worker's schema and mutators, no copies. */
export type TodoClient = PlasmaClient<typeof schema, typeof mutators>

declare module "@plasma/react" {
  interface Register {
    readonly client: TodoClient
  }
}
