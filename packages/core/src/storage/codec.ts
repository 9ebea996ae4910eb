import { randomUUID } from "node:crypto";
import type { z } from "zod";
import { InvalidInputError } from "../spec/errors.js";
import type { DialectName } from "./schema.js";

/** A new row id. */
export function newId(): string {
  return randomUUID();
}

/** The current instant as an ISO string. */
export function now(): string {
  return new Date().toISOString();
}

/** Encodes a value for a JSON column (both dialects accept a JSON string). */
export function toJson(value: unknown): string {
  return JSON.stringify(value ?? null);
}

/** Decodes a JSON column: PostgreSQL `jsonb` arrives parsed, SQLite `text` as a string. */
export function fromJson<T>(value: unknown, fallback: T): T {
  if (value === null || value === undefined) return fallback;
  if (typeof value === "string") return JSON.parse(value) as T;
  return value as T;
}

/** Encodes a boolean for the dialect (better-sqlite3 cannot bind booleans). */
export function toBool(dialect: DialectName, value: boolean): boolean | number {
  return dialect === "sqlite" ? (value ? 1 : 0) : value;
}

/** Decodes a boolean column. */
export function fromBool(value: unknown): boolean {
  return value === true || value === 1 || value === "1" || value === "t";
}

/**
 * Parses `input` with a zod schema and turns the first issue into an {@link InvalidInputError} that names the
 * field (dotted path under `prefix`) and the offending value.
 */
export function parseInput<S extends z.ZodType>(schema: S, input: unknown, prefix = ""): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const path = issue.path.map(String);
  const field = [prefix, ...path].filter(Boolean).join(".") || prefix || "input";
  let value: unknown = input;
  for (const key of issue.path) {
    value =
      value !== null && typeof value === "object" ? (value as Record<PropertyKey, unknown>)[key] : undefined;
  }
  throw new InvalidInputError({ field, value, reason: issue.message });
}
