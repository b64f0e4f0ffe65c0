import { describe, it } from "vitest"
import { postgresConfigured, postgresSubject } from "../testing/postgres-subject.js"
import { describeBlobRoutes } from "./blob-routes.case.js"

// The route suite on a real PostgreSQL server (PLASMA_PG_URL); skipped with one message without one.
if (postgresConfigured) describeBlobRoutes("PostgreSQL + memoryStorage", postgresSubject)
else describe.skip("blob routes on PostgreSQL (PLASMA_PG_URL not set)", () => it("runs with a server", () => undefined))
