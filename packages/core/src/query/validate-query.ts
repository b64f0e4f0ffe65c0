/**
 * Checks a query node against the schema before any engine runs it, so every engine refuses the
 * same queries with the same errors (`invalid-query` / `invalid-value`):
 * - every table is in the schema and every column reference names a column of a table in scope;
 * - a value compared with a column fits that column's kind (NULL allowed), so engines never
 *   disagree on mixed-type comparisons;
 * - conditions are condition nodes (not bare columns or values);
 * - in an aggregate select, projected and ordered columns are GROUP BY columns;
 * - `like` compares text with a string pattern.
 * Write nodes are checked by `prepareInsertRow` / `preparePatch` plus the where rules above.
 */
import type { AnySchema } from "../schema/define-schema.js"
import type { QueryNode } from "./ast.js"

export declare function validateQuery(schema: AnySchema, node: QueryNode): void
