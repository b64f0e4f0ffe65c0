/** @module @plasma/server — AST to SQL, the change-logged write path, the sync handler and server-side operations. */
export { ensureSchema, runMigrations, fingerprintOf } from "./schema/migrations.js"
export type { MigrationReport, MigrationStep, SchemaOptions } from "./schema/migrations.js"
export { createServerDb } from "./server-db.js"
export type { ServerDbOptions } from "./server-db.js"
export { compileSelect } from "./compile/compile-select.js"
export type { CompiledSelect } from "./compile/compile-select.js"
export { applyPush } from "./sync/push.js"
export type { DroppedMutation, PushInput, PushMutation, PushResult } from "./sync/push.js"
