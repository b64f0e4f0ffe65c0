/**
 * The compiled-select cache: per schema (a `WeakMap`, so a dropped schema takes its templates
 * along), at most `TEMPLATE_CACHE_SIZE` shapes, the oldest inserted evicted first. Apps have a
 * handful of query shapes; the bound only guards against generated ones (an IN list of every
 * length up to the JSON threshold is 32 shapes).
 */
import type { AnySchema } from "@plasma/core"

/** Most shapes kept per schema. */
export const TEMPLATE_CACHE_SIZE = 500

/** A bounded, per-schema cache of compiled templates by shape key. */
export class TemplateCache<T> {
  readonly #bySchema = new WeakMap<AnySchema, Map<string, T>>()
  readonly #size: number

  constructor(size = TEMPLATE_CACHE_SIZE) {
    this.#size = size
  }

  /** The template for `key`, compiled by `compile` on a miss and kept. */
  get(schema: AnySchema, key: string, compile: () => T): T {
    let cache = this.#bySchema.get(schema)
    if (cache === undefined) this.#bySchema.set(schema, (cache = new Map()))
    let template = cache.get(key)
    if (template === undefined) {
      template = compile()
      if (cache.size >= this.#size) cache.delete(cache.keys().next().value!)
      cache.set(key, template)
    }
    return template
  }
}
