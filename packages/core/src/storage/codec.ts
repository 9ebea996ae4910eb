import { randomFillSync } from "node:crypto";
import type { z } from "zod";
import { InvalidInputError } from "../spec/errors.js";
import type { DialectName } from "./schema.js";

/** Random bytes for ids, refilled a few thousand ids at a time (one syscall instead of one per id). */
const POOL_IDS = 2048;
const pool = Buffer.alloc(POOL_IDS * 10);
let poolAt = POOL_IDS;
/** The last millisecond an id was made in, and the 12-bit sequence within it (RFC 9562 §6.2, method 1). */
let lastMs = -1;
let sequence = 0;
const HEX = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, "0"));

/**
 * A new row id: a version 7 UUID (RFC 9562), the Unix time in milliseconds followed by random bits, so ids
 * made one after another sort one after another. Rows inserted by a campaign land at the right edge of
 * every id index instead of at random pages — a random (v4) id dirties a different B-tree page for every
 * row, which made each commit write many pages and the working set outgrow the cache as tables grew. Ids
 * stay unguessable (74 random bits) and are still plain UUID strings, so nothing else changes. Ids made in
 * the same millisecond keep their order through a sequence counter; a clock that steps back keeps the
 * previous millisecond.
 */
export function newId(): string {
  let ms = Date.now();
  if (ms > lastMs) {
    lastMs = ms;
    sequence = -1;
  } else {
    ms = lastMs;
  }
  if (poolAt === POOL_IDS) {
    randomFillSync(pool);
    poolAt = 0;
  }
  const r = poolAt * 10;
  poolAt += 1;
  if (sequence === -1) {
    // A new millisecond starts its sequence at a random value in the lower half, leaving room to count up.
    sequence = ((pool[r]! << 8) | pool[r + 1]!) & 0x7ff;
  } else if (sequence < 0xfff) {
    sequence += 1;
  } else {
    // 4,096 ids in one millisecond: borrow the next one (ids stay unique and ordered).
    lastMs += 1;
    ms = lastMs;
    sequence = 0;
  }
  const high = Math.floor(ms / 0x1000000);
  const low = ms % 0x1000000;
  return (
    HEX[(high >>> 16) & 0xff]! +
    HEX[(high >>> 8) & 0xff]! +
    HEX[high & 0xff]! +
    HEX[(low >>> 16) & 0xff]! +
    "-" +
    HEX[(low >>> 8) & 0xff]! +
    HEX[low & 0xff]! +
    "-" +
    HEX[0x70 | (sequence >>> 8)]! +
    HEX[sequence & 0xff]! +
    "-" +
    HEX[0x80 | (pool[r + 2]! & 0x3f)]! +
    HEX[pool[r + 3]!]! +
    "-" +
    HEX[pool[r + 4]!]! +
    HEX[pool[r + 5]!]! +
    HEX[pool[r + 6]!]! +
    HEX[pool[r + 7]!]! +
    HEX[pool[r + 8]!]! +
    HEX[pool[r + 9]!]!
  );
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
