/** Registers the test client type, as an app does once (see register.ts). Test-only: not in the build. */
import type { PlasmaClient } from "@plasma/client"
import type { mutators, schema } from "./fixture.js"

declare module "../register.js" {
  interface Register {
    readonly client: PlasmaClient<typeof schema, typeof mutators>
  }
}
