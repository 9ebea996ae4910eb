/**
 * Rendering a parsed template for one recipient, and previewing it.
 *
 * @module
 */

import type { ParsedTemplate } from "./parse-template.js";

/** The merge values of one recipient, by field name. `null`, `undefined` and blank strings are missing. */
export type TemplateValues = Readonly<Record<string, string | null | undefined>>;

/** Options of {@link renderTemplate}. */
export interface RenderTemplateOptions {
  /**
   * How values are escaped. `"none"` (the default) inserts them verbatim: SMS is plain text, and `&amp;` in
   * a text message is a bug. `"html"` escapes `& < > " '` in values for HTML email; the template's own
   * text and fallbacks are the author's and are left as written.
   */
  readonly escape?: "none" | "html";
}

/** The result of {@link renderTemplate}. */
export interface RenderedTemplate {
  /** The message. A missing field without fallback renders as nothing. */
  readonly text: string;
  /**
   * Fields that had no value and no fallback, distinct, in order. Not empty means the message is probably
   * unfit to send ("Hi , …"): the engine decides whether to skip the recipient.
   */
  readonly missing: string[];
}

const HTML_ESCAPES: Readonly<Record<string, string>> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/**
 * Renders a template with one recipient's values. A value is used when it is a non-blank string (numbers
 * from plain-JavaScript callers are written in decimal), else the field's fallback, else nothing and the
 * field is reported in `missing`. Values are inserted as given (not trimmed); the text is not normalized.
 *
 * @example
 * ```ts
 * renderTemplate(template, { givenName: null, texterName: "Sam" });
 * // { text: "Hi friend, it's Sam!", missing: [] }
 * ```
 */
export function renderTemplate(
  template: ParsedTemplate,
  values: TemplateValues,
  options: RenderTemplateOptions = {},
): RenderedTemplate {
  const encode = options.escape === "html" ? escapeHtml : (value: string) => value;
  let text = "";
  const missing: string[] = [];
  for (const part of template.parts) {
    if (!("field" in part)) {
      text += part.text;
      continue;
    }
    const value = fieldValue(values, part.field);
    if (value !== null) text += encode(value);
    else if (part.fallback !== null) text += part.fallback;
    else if (!missing.includes(part.field)) missing.push(part.field);
  }
  return { text, missing };
}

/**
 * A preview of a template for an editor or a campaign review screen: given values are inserted, every other
 * field shows as `[fieldName]` (fallbacks are not used, so the reviewer sees where each field goes).
 *
 * @example
 * ```ts
 * templateSample(template, { texterName: "Sam" }); // "Hi [givenName], it's Sam!"
 * ```
 */
export function templateSample(template: ParsedTemplate, values: TemplateValues = {}): string {
  let text = "";
  for (const part of template.parts) {
    if ("field" in part) text += fieldValue(values, part.field) ?? `[${part.field}]`;
    else text += part.text;
  }
  return text;
}

/** The usable value of a field, or `null`. Own properties only: a field named `constructor` is no method. */
function fieldValue(values: TemplateValues, field: string): string | null {
  if (!Object.hasOwn(values, field)) return null;
  const value: unknown = values[field];
  const text = typeof value === "number" || typeof value === "bigint" ? String(value) : value;
  return typeof text === "string" && text.trim() !== "" ? text : null;
}

/** @internal Escapes `& < > " '` for HTML text and attribute values. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (ch) => HTML_ESCAPES[ch]!);
}
