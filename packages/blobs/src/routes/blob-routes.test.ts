import { d1R2Subject, fsSubject, memorySubject } from "../testing/storage-subjects.js"
import { describeBlobRoutes } from "./blob-routes.case.js"

describeBlobRoutes("better-sqlite3 + memoryStorage", memorySubject)
describeBlobRoutes("better-sqlite3 + fsStorage", fsSubject)
describeBlobRoutes("D1 + R2 (workerd via Miniflare)", d1R2Subject)
