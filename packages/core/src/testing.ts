/** @module @plasma/core/testing — the shared conformance suites every engine runs (needs vitest). */
export { describeQueryConformance } from "./testing/query-conformance.js"
export type { ConformanceFactory, ConformanceSubject } from "./testing/query-conformance.js"
export {
  comments as conformanceComments,
  conformanceSchema,
  seedComments,
  seedTagLinks,
  seedTags,
  seedTodos,
  seedUsers,
  tagLinks as conformanceTagLinks,
  tags as conformanceTags,
  todos as conformanceTodos,
  users as conformanceUsers,
} from "./testing/conformance-schema.js"
export type { ConformanceSchema } from "./testing/conformance-schema.js"
