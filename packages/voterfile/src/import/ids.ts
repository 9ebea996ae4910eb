/**
 * Row ids for bulk loads.
 *
 * @module
 */

import { randomBytes } from "node:crypto";

let lastMs = 0;
let counter = 0;
const pool = randomBytes(4096);
let poolIndex = 0;

/**
 * A time-ordered UUID (version 7 layout: 48-bit milliseconds, then a counter and random bits). Bulk loads use
 * it instead of a random UUID because ids that grow in order are appended to the primary-key index instead of
 * landing on random pages, which keeps a million-row import fast. It is still a valid, unique UUID string, and
 * ids made by one process increase as text.
 */
export function orderedId(): string {
  const ms = Date.now();
  if (ms > lastMs) {
    lastMs = ms;
    counter = 0;
  } else if (counter < 0xfff) {
    counter++;
  } else {
    // 4,096 ids in one millisecond: borrow the next one, so that ids stay in increasing order as text (a
    // bulk load relies on it to tell a repeated voter's last row).
    lastMs++;
    counter = 0;
  }
  if (poolIndex + 8 > pool.length) {
    randomBytes(4096).copy(pool);
    poolIndex = 0;
  }
  const hex = (value: number, width: number) => value.toString(16).padStart(width, "0");
  const time = hex(lastMs, 12);
  const seq = counter & 0xfff;
  const variant = 0x8000 | ((counter >>> 12) & 0x3fff);
  let random = "";
  for (let i = 0; i < 6; i++) random += hex(pool[poolIndex++] as number, 2);
  return `${time.slice(0, 8)}-${time.slice(8)}-7${hex(seq, 3)}-${hex(variant, 4)}-${random}`;
}
