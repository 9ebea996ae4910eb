/**
 * The message-template language: plain text with merge fields.
 *
 * - `{{givenName}}` inserts a value; `{{givenName|friend}}` falls back to the literal text `friend` when
 *   the value is missing or blank; `{{givenName|}}` falls back to nothing. Spaces inside the braces are
 *   ignored (`{{ givenName | friend }}`), as are spaces around the fallback.
 * - `\{{` writes a literal `{{`, and an escaped field keeps its closing braces too: `\{{givenName}}` is
 *   written as `{{givenName}}` (as in Handlebars). `\}}` writes a literal `}}`. A backslash that is not
 *   before `{{` or `}}` is ordinary text. Before braces, backslashes pair up: `\\{{givenName}}` is one
 *   backslash and then the field; `\\\{{givenName}}` is one backslash and the literal `{{givenName}}`.
 *   Escapes work in text only: a fallback cannot contain `{{` or `}}`.
 * - Single braces are ordinary text (`{`, `}`), so JSON-ish snippets and emoticons survive.
 *
 * Parsing is strict because a template goes to thousands of people: an unknown field, an empty `{{}}`, an
 * unclosed `{{` or a stray `}}` is an {@link InvalidInputError} naming the line and column, the template's
 * field and, for a misspelled name, the closest known one.
 *
 * @module
 */

import { InvalidInputError } from "../../spec/errors.js";
import { closestField } from "./suggest.js";

/** Literal text of a template. */
export interface TemplateTextPart {
  /** The text, escapes already resolved (`\{{` is stored as `{{`). */
  readonly text: string;
}

/** A merge field of a template. */
export interface TemplateFieldPart {
  /** The field's name, one of the known fields. */
  readonly field: string;
  /** Literal text used when the value is missing or blank; `null` when the field has no fallback. */
  readonly fallback: string | null;
  /** Where the field's `{{` starts in the source (UTF-16 index, as `String.prototype.indexOf` counts). */
  readonly offset: number;
}

/** One piece of a parsed template: text or a merge field. Tell them apart with `"field" in part`. */
export type TemplatePart = TemplateTextPart | TemplateFieldPart;

/** A template checked against the known fields, ready to render many times. Immutable. */
export interface ParsedTemplate {
  /** The template as written. */
  readonly source: string;
  /** Text and fields in order; adjacent text is merged, empty text is left out. */
  readonly parts: readonly TemplatePart[];
  /** The distinct fields the template uses, in order of first use. */
  readonly fields: readonly string[];
}

/** Options of {@link parseTemplate}. */
export interface ParseTemplateOptions {
  /** The merge fields a template may use (for campaigns, `MERGE_FIELD_NAMES`). */
  readonly knownFields: readonly string[];
  /** Where the template came from, for error messages: `"template.body"`, `"campaign.script.2"`. */
  readonly field?: string;
}

/** A field name: letters, digits and `_`, with `.` or `-` between parts (`customFields.team`). */
const FIELD_NAME = /^[A-Za-z_][A-Za-z0-9_]*(?:[.-][A-Za-z0-9_]+)*$/;

/**
 * Parses a message template and checks every merge field against `knownFields`.
 *
 * @example
 * ```ts
 * const template = parseTemplate("Hi {{givenName|friend}}, it's {{texterName}}!", {
 *   knownFields: ["givenName", "texterName"],
 *   field: "campaign.body",
 * });
 * template.fields; // ["givenName", "texterName"]
 * ```
 *
 * @throws InvalidInputError for an unknown or malformed field name, an empty `{{}}`, an unclosed `{{` or a
 * stray `}}`; the message says where (`at 2:14`) and `error.details` carries `line`, `column`, `offset`,
 * `mergeField` and `suggestion` for editors that underline the mistake.
 */
export function parseTemplate(source: string, options: ParseTemplateOptions): ParsedTemplate {
  const where = options?.field ?? "template";
  if (typeof source !== "string") {
    throw new InvalidInputError({ field: where, value: source, reason: "must be a string" });
  }
  const knownFields = options?.knownFields;
  if (!Array.isArray(knownFields) || !knownFields.every((name) => typeof name === "string")) {
    throw new InvalidInputError({
      field: "knownFields",
      value: knownFields,
      reason: "must be an array of field names",
    });
  }
  const known = new Set(knownFields);
  const fail = (
    offset: number,
    reason: (at: string) => string,
    extra: Record<string, unknown> = {},
  ): never => {
    const { line, column } = positionOf(source, offset);
    const error = new InvalidInputError({
      field: where,
      value: source,
      reason: reason(`${line}:${column} in ${where}`),
    });
    Object.assign(error.details, { line, column, offset, ...extra });
    throw error;
  };

  const parts: TemplatePart[] = [];
  const fields: string[] = [];
  let text = "";
  const flush = () => {
    if (text !== "") parts.push(Object.freeze({ text }));
    text = "";
  };

  let i = 0;
  while (i < source.length) {
    if (source[i] === "\\") {
      let end = i;
      while (source[end] === "\\") end++;
      const braces = source.startsWith("{{", end) || source.startsWith("}}", end);
      if (!braces) {
        text += source.slice(i, end);
        i = end;
        continue;
      }
      const count = end - i;
      text += "\\".repeat(Math.floor(count / 2));
      if (count % 2 === 0) {
        i = end;
        continue;
      }
      // An escaped "{{" takes its "}}" with it, so "\{{givenName}}" is written as "{{givenName}}"; a "}}"
      // escaped itself ("\{{ and \}}") is left to its own escape.
      const close = source.startsWith("{{", end) ? closingBraces(source, end) : -1;
      const stop = close === -1 || source[close - 1] === "\\" ? end + 2 : close + 2;
      text += source.slice(end, stop);
      i = stop;
      continue;
    }
    if (source.startsWith("}}", i)) {
      fail(i, (at) => `stray "}}" at ${at} with no "{{" before it; write "\\}}" for literal braces`);
    }
    if (!source.startsWith("{{", i)) {
      text += source[i];
      i++;
      continue;
    }

    const close = closingBraces(source, i);
    if (close === -1) {
      fail(i, (at) => `unclosed merge field at ${at}: "{{" has no "}}"; write "\\{{" for literal braces`);
    }
    const inner = source.slice(i + 2, close);
    const pipe = inner.indexOf("|");
    const name = (pipe === -1 ? inner : inner.slice(0, pipe)).trim();
    const fallback = pipe === -1 ? null : inner.slice(pipe + 1).trim();
    if (name === "") {
      const example = knownFields[0] ?? "givenName";
      fail(i, (at) => `empty merge field "{{${inner}}}" at ${at}; write a field name, e.g. "{{${example}}}"`);
    }
    if (name.startsWith("{")) {
      const bare = name.replace(/^\{+/, "");
      fail(i, (at) => `triple braces at ${at} are not supported; write "{{${bare}}}"`, { mergeField: name });
    }
    if (!known.has(name)) {
      const suggestion = closestField(name, knownFields);
      const kind = FIELD_NAME.test(name) ? "unknown merge field" : "invalid merge field name";
      const hint =
        suggestion !== null ? `did you mean "${suggestion}"?` : `known fields: ${listFields(knownFields)}`;
      fail(i, (at) => `${kind} "${name}" at ${at}; ${hint}`, { mergeField: name, suggestion });
    }
    flush();
    parts.push(Object.freeze({ field: name, fallback, offset: i }));
    if (!fields.includes(name)) fields.push(name);
    i = close + 2;
  }
  flush();
  return Object.freeze({ source, parts: Object.freeze(parts), fields: Object.freeze(fields) });
}

/** Where the `}}` closing the `{{` at `open` starts, or -1 when another `{{` or the end comes first. */
function closingBraces(source: string, open: number): number {
  const close = source.indexOf("}}", open + 2);
  const reopen = source.indexOf("{{", open + 2);
  return close === -1 || (reopen !== -1 && reopen < close) ? -1 : close;
}

function listFields(fields: readonly string[]): string {
  if (fields.length === 0) return "none";
  const shown = fields.slice(0, 12).join(", ");
  return fields.length > 12 ? `${shown}, …` : shown;
}

/**
 * @internal The 1-based line and column of a UTF-16 offset. Lines end at `\n`, `\r\n` or `\r`; columns
 * count characters as people see them (an emoji is one), not UTF-16 units.
 */
export function positionOf(source: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset; i++) {
    const ch = source[i];
    if (ch === "\n" || (ch === "\r" && source[i + 1] !== "\n")) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: Array.from(source.slice(lineStart, offset)).length + 1 };
}
