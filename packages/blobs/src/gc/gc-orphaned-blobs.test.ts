import { d1R2Subject, fsSubject, memorySubject } from "../testing/storage-subjects.js"
import { describeGc } from "./gc-orphaned-blobs.case.js"

describeGc("better-sqlite3 + memoryStorage", memorySubject)
describeGc("better-sqlite3 + fsStorage", fsSubject)
describeGc("D1 + R2 (workerd via Miniflare)", d1R2Subject)
