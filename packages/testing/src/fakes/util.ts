/**
 * Small helpers shared by the fakes.
 *
 * @internal
 * @module
 */

import { InvalidInputError } from "@precinct/core";

/** Matches an E.164 number. */
export const E164 = /^\+[1-9]\d{1,14}$/;

/** Returns a generator of deterministic ids: `SMfake000001`, `SMfake000002`, ... */
export function idSequence(prefix: string): { next(): string; reset(): void } {
  let n = 0;
  return {
    next: () => {
      n += 1;
      return `${prefix}${String(n).padStart(6, "0")}`;
    },
    reset: () => {
      n = 0;
    },
  };
}

/** Rejects with the signal's reason when it has aborted, as every plugin method must. */
export function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw signal.reason;
}

/** Throws {@link InvalidInputError} unless `value` is a non-empty string. */
export function requireString(field: string, value: unknown): string {
  if (typeof value !== "string" || value.trim() === "") {
    throw new InvalidInputError({ field, value, reason: "must be a non-empty string" });
  }
  return value;
}

/** Throws {@link InvalidInputError} unless `value` is an E.164 phone number. */
export function requireE164(field: string, value: unknown): string {
  if (typeof value !== "string" || !E164.test(value)) {
    throw new InvalidInputError({
      field,
      value,
      reason: "must be an E.164 phone number such as +19195550123",
    });
  }
  return value;
}

/** Parses an ISO date field, or returns `fallback` when absent. */
export function parseDate(field: string, value: string | undefined, fallback: Date): Date;
export function parseDate(field: string, value: string | undefined): Date | undefined;
export function parseDate(field: string, value: string | undefined, fallback?: Date): Date | undefined {
  if (value === undefined || value === "") return fallback;
  const date = new Date(value);
  if (Number.isNaN(date.getTime()))
    throw new InvalidInputError({ field, value, reason: "must be an ISO date" });
  return date;
}

/** Parses a required ISO date field. */
export function requireDate(field: string, value: unknown): Date {
  const date = parseDate(field, requireString(field, value));
  if (date === undefined) throw new InvalidInputError({ field, value, reason: "is required" });
  return date;
}

/** Throws {@link InvalidInputError} unless `value` is a positive integer. */
export function requirePositiveInteger(field: string, value: number): number {
  if (!Number.isInteger(value) || value <= 0) {
    throw new InvalidInputError({ field, value, reason: "must be a positive integer" });
  }
  return value;
}
