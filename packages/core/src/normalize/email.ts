/**
 * Email addresses: trimmed, lowercased, pragmatically validated.
 *
 * @module
 */

import { z } from "zod";
import { type FieldOptions, fail } from "./input.js";

// zod's default email pattern: the common "what real providers accept" shape (no quoted local parts, no IP
// literals, a dotted domain with a letter TLD). Stricter than RFC 5322 on purpose: an address that only the
// RFC allows will not get through a sending provider either.
const emailSchema = z.email();

/** The longest address SMTP can carry (RFC 5321: 256-octet path minus the angle brackets). */
const MAX_EMAIL_LENGTH = 254;

/**
 * Normalizes an email address: trims it, lowercases the whole address and checks its shape.
 *
 * The local part is lowercased too, although RFC 5321 lets it be case-sensitive: practically every provider
 * treats it case-insensitively, and deduplication (ours and Action Network's) needs one form per address.
 * Provider-specific rewriting (Gmail dots, `+tags`) is not applied: it would merge distinct people at
 * providers that do not follow Gmail's rules.
 *
 * @param input - The address as written.
 * @param options - `field` (default `"email"`).
 * @returns The normalized address, e.g. `"pat.doe@example.org"`.
 * @throws {@link InvalidInputError} when `input` is empty, not a string, or not a plausible address.
 * @example
 * ```ts
 * normalizeEmail("  Pat.Doe@Example.ORG "); // "pat.doe@example.org"
 * ```
 */
export function normalizeEmail(input: string, options: FieldOptions = {}): string {
  const field = options.field ?? "email";
  if (typeof input !== "string") fail(field, input, "must be a string");
  const email = input.trim().toLowerCase();
  if (email === "") fail(field, input, "is empty");
  if (email.length > MAX_EMAIL_LENGTH) fail(field, input, `is longer than ${MAX_EMAIL_LENGTH} characters`);
  if (!emailSchema.safeParse(email).success) fail(field, input, "is not a valid email address");
  return email;
}

/**
 * Like {@link normalizeEmail}, but returns `undefined` instead of throwing. `null`, `undefined` and blank
 * strings also give `undefined`, which suits optional columns in imports.
 *
 * @param input - The address as written, or nothing.
 * @returns The normalized address, or `undefined` when it is missing or invalid.
 */
export function tryNormalizeEmail(input: string | null | undefined): string | undefined {
  if (typeof input !== "string" || input.trim() === "") return undefined;
  try {
    return normalizeEmail(input);
  } catch {
    return undefined;
  }
}
