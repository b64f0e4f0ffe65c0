/**
 * @module The page the Worker serves at `/`. The markup, styles and script live in page.html
 * (wrangler bundles `*.html` imports as text), so there is no browser build step; the script is
 * plain JavaScript that speaks the sync protocol directly (see the comment at its top).
 */
import html from "./page.html"
import { SCHEMA_VERSION } from "./schema.js"

const page = html.replaceAll("__SCHEMA_VERSION__", SCHEMA_VERSION)

/** The page's HTML. */
export function renderPage(): string {
  return page
}
