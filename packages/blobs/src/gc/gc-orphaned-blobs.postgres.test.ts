import { describe, it } from "vitest"
import { postgresConfigured, postgresSubject } from "../testing/postgres-subject.js"
import { describeGc } from "./gc-orphaned-blobs.case.js"

// The GC suite on a real PostgreSQL server (PLASMA_PG_URL); skipped with one message without one.
if (postgresConfigured) describeGc("PostgreSQL + memoryStorage", postgresSubject)
else describe.skip("gcOrphanedBlobs on PostgreSQL (PLASMA_PG_URL not set)", () => it("runs with a server", () => undefined))
