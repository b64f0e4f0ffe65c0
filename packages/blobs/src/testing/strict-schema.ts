/** A schema whose only file column restricts MIME types (images and plain text). */
import { defineSchema } from "@plasma/core"
import { todos } from "./blob-fixtures.js"

export const schema = defineSchema({ todos })
