/**
 * Shared plumbing for the normalizers: the `field` option and the checks every normalizer starts with.
 *
 * @module
 */

import { InvalidInputError } from "../spec/errors.js";

/** Options every normalizer accepts. */
export interface FieldOptions {
  /**
   * The field (dotted path) being normalized, used in error messages, e.g. `phoneNumbers.0.number`.
   * Each normalizer has its own default (`"phone"`, `"email"`, ...).
   */
  field?: string;
}

/** @internal Throws an {@link InvalidInputError} for `field`; typed `never` so control flow narrows. */
export function fail(field: string, value: unknown, reason: string, cause?: unknown): never {
  throw new InvalidInputError({ field, value, reason, cause });
}

/**
 * @internal Checks `value` is a string at run time (callers in plain JavaScript, CSV rows, JSON bodies) and
 * returns it with whitespace collapsed and trimmed.
 */
export function requireString(value: unknown, field: string): string {
  if (typeof value !== "string") fail(field, value, `must be a string, got ${describeType(value)}`);
  return collapseWhitespace(value);
}

/** @internal Collapses whitespace runs (no-break spaces from spreadsheets too) to one space and trims. */
export function collapseWhitespace(value: string): string {
  return value.replace(/\s+/gu, " ").trim();
}

function describeType(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (value instanceof Date) return "Date";
  return typeof value;
}

/**
 * A copy of `text` that does not keep a larger string alive. V8 may represent a substring as a view of its
 * parent; a cache keyed by such views would keep every chunk of a multi-gigabyte file in memory.
 *
 * @internal
 */
export function detach(text: string): string {
  return text.length < 13 ? text : (JSON.parse(JSON.stringify(text)) as string);
}
