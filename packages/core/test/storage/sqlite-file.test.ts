import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { sql } from "kysely";
import { afterEach, describe, expect, it, vi } from "vitest";
import { BACKSTOP_AUTOCHECKPOINT_PAGES, startCheckpointer } from "../../src/storage/checkpointer.js";
import { newId } from "../../src/storage/codec.js";
import { openStorage, type Storage } from "../../src/storage/connection.js";

/** The engine connection's own `wal_autocheckpoint` threshold, in pages. */
function autocheckpoint(storage: Storage): unknown {
  if (storage.driver.kind !== "sqlite") throw new Error("a SQLite storage was expected");
  return storage.driver.database.pragma("wal_autocheckpoint", { simple: true });
}

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe("row ids", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("are version 7 UUIDs carrying the time they were made, unique and in the order they were made", () => {
    const before = Date.now();
    const ids = Array.from({ length: 50_000 }, () => newId());
    const after = Date.now();
    for (const id of ids) expect(id).toMatch(UUID_V7);
    expect(new Set(ids).size).toBe(ids.length);
    for (let i = 1; i < ids.length; i += 1) expect(ids[i]! > ids[i - 1]!).toBe(true);
    const stamp = Number.parseInt(ids[0]!.replaceAll("-", "").slice(0, 12), 16);
    expect(stamp).toBeGreaterThanOrEqual(before);
    expect(stamp).toBeLessThanOrEqual(after + 1);
  });

  it("stay ordered when the clock stands still or steps back, and past 4,096 ids in one millisecond", () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    vi.setSystemTime(Date.parse("2030-01-01T00:00:00.000Z"));
    const first = Array.from({ length: 10_000 }, () => newId());
    vi.setSystemTime(Date.parse("2029-12-31T23:59:00.000Z"));
    const stepped = Array.from({ length: 100 }, () => newId());
    const ids = [...first, ...stepped];
    expect(new Set(ids).size).toBe(ids.length);
    for (let i = 1; i < ids.length; i += 1) expect(ids[i]! > ids[i - 1]!).toBe(true);
    // A few milliseconds borrowed from the future, never from the past.
    const last = Number.parseInt(ids.at(-1)!.replaceAll("-", "").slice(0, 12), 16);
    expect(last).toBeGreaterThanOrEqual(Date.parse("2030-01-01T00:00:00.000Z"));
    expect(last).toBeLessThan(Date.parse("2030-01-01T00:00:00.010Z"));
  });

  it("keep 74 random bits: ids made in one millisecond differ in their random tail", () => {
    const tails = new Set(Array.from({ length: 1000 }, () => newId().slice(19)));
    expect(tails.size).toBe(1000);
  });
});

describe("a SQLite file", () => {
  const dirs: string[] = [];
  const tempFile = () => {
    const dir = mkdtempSync(join(tmpdir(), "precinct-sqlite-file-"));
    dirs.push(dir);
    return join(dir, "precinct.db");
  };
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it("is checkpointed by a worker thread while the engine's connection only keeps a backstop", async () => {
    const file = tempFile();
    const storage = await openStorage(file);
    try {
      expect(autocheckpoint(storage)).toBe(BACKSTOP_AUTOCHECKPOINT_PAGES);
      await sql`create table filler (id integer primary key, body text not null)`.execute(storage.db);
      const sizeBefore = statSync(file).size;
      // About 2 MB of pages, well under the backstop: only the worker can have copied them into the file.
      const body = "x".repeat(2000);
      await storage.db.transaction().execute(async (trx) => {
        for (let i = 0; i < 1000; i += 1) {
          await sql`insert into filler (body) values (${body})`.execute(trx);
        }
      });
      await expect
        .poll(() => statSync(file).size, { timeout: 5000, interval: 50 })
        .toBeGreaterThan(sizeBefore + 1_000_000);
    } finally {
      await storage.close();
    }
    // Closing folds the log back into the file: another connection reads every row without it.
    const reader = new Database(file, { readonly: true });
    try {
      expect(reader.prepare("select count(*) as n from filler").get()).toEqual({ n: 1000 });
    } finally {
      reader.close();
    }
  });

  it("in memory gets no checkpointer and keeps SQLite's own checkpoints", async () => {
    const storage = await openStorage(":memory:");
    try {
      expect(autocheckpoint(storage)).toBe(1000);
    } finally {
      await storage.close();
    }
  });

  it("gets SQLite's own checkpoints back when the worker fails", async () => {
    const file = tempFile();
    const database = new Database(file);
    database.pragma("journal_mode = WAL");
    const failures: unknown[] = [];
    // A path the worker cannot open (it requires the file to exist): it fails at start.
    const checkpointer = startCheckpointer(`${file}.missing`, database, (error) => failures.push(error));
    expect(checkpointer).not.toBeNull();
    await expect.poll(() => failures.length, { timeout: 5000, interval: 20 }).toBe(1);
    expect(database.pragma("wal_autocheckpoint", { simple: true })).toBe(1000);
    await checkpointer!.close();
    database.close();
  });
});
