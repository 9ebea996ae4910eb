/**
 * The fast paths of a registration import: parsing in a worker thread, and the bulk load into an empty voter
 * table (rows appended, indexes rebuilt at the end). They must store exactly what the one-thread,
 * row-by-row path stores, and a load that fails midway must leave the database as it was — indexes too.
 */
import { createReadStream, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { createPrecinct, type Precinct } from "@precinct/core";
import { createSyntheticPopulation, writeVoterFile } from "@precinct/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { forEachDatabase } from "../../core/test/support/databases.js";
import { setImportWorkerScript, setLowMemory } from "../src/import/worker.js";
import { type ImportSummary, importVoterFile, openDelimited, toRecord } from "../src/index.js";

const dir = mkdtempSync(join(tmpdir(), "precinct-import-bulk-"));
const path = join(dir, "ncvoter-noisy.txt");
/** A worker script that dies as it starts, standing in for a worker that fails mid-file. */
const brokenWorker = join(dir, "broken-worker.mjs");

// The tests run the TypeScript sources; the worker runs them under tsx.
const workerScript = {
  url: new URL("../src/import/worker.ts", import.meta.url),
  execArgv: ["--import", "tsx"],
};

beforeAll(async () => {
  const population = createSyntheticPopulation({
    seed: 9090,
    voters: 1_500,
    state: "NC",
    precinctsPerCounty: 4,
  });
  await writeVoterFile(path, {
    population,
    layout: "nc-voter",
    noise: {
      badRows: 0.02,
      duplicates: 0.04,
      misspellings: 0.03,
      blankLines: 0.01,
      trailingSpaces: 0.05,
      seed: 3,
    },
  });
  writeFileSync(brokenWorker, "throw new Error('the worker broke');\n");
});
afterAll(() => {
  setImportWorkerScript(undefined);
  setLowMemory(undefined);
  rmSync(dir, { recursive: true, force: true });
});

/** Index names of the voter table. */
async function voterIndexes(precinct: Precinct): Promise<string[]> {
  const driver = precinct.storage.driver;
  const rows =
    driver.kind === "sqlite"
      ? ((driver.database as unknown as { prepare(sql: string): { all(): unknown[] } })
          .prepare(
            "select name from sqlite_master where type = 'index' and tbl_name = 'voter' and sql is not null",
          )
          .all() as { name: string }[])
      : ((
          await (driver.pool as unknown as { query(sql: string): Promise<{ rows: unknown[] }> }).query(
            "select indexname as name from pg_indexes where schemaname = current_schema() and tablename = 'voter'",
          )
        ).rows as { name: string }[]);
  return rows.map((row) => row.name).sort();
}

/** The stored voters of an organization, without what differs between two imports (ids, times). */
async function stored(precinct: Precinct) {
  const rows = await precinct.storage.db
    .selectFrom("voter")
    .selectAll()
    .where("organizationId", "=", precinct.organization.id)
    .orderBy("stateVoterId")
    .execute();
  return rows.map(({ id, organizationId, createdAt, updatedAt, lastImportId, personId, ...rest }) => {
    void [id, organizationId, createdAt, updatedAt, lastImportId, personId];
    return rest;
  });
}

const counts = (summary: ImportSummary) => {
  const { importId, elapsedMs, ...rest } = summary;
  void [importId, elapsedMs];
  return rest;
};

forEachDatabase("bulk registration import", (db) => {
  let indexesBefore: string[];

  it("a first load whose worker fails is rolled back with the voter table's indexes intact", async () => {
    const precinct = await db().client();
    indexesBefore = await voterIndexes(precinct);
    expect(indexesBefore.length).toBeGreaterThan(3);
    setImportWorkerScript({ url: pathToFileURL(brokenWorker) });
    try {
      await expect(importVoterFile(precinct, path, { worker: true })).rejects.toThrow(/the worker broke/);
    } finally {
      setImportWorkerScript(workerScript);
    }
    expect(await stored(precinct)).toEqual([]);
    expect(await voterIndexes(precinct)).toEqual(indexesBefore);
  });

  it("a first load whose file fails midway (after batches were written) is rolled back the same way", async () => {
    const precinct = await db().client();
    const bytes = readFileSync(path);
    async function* failing() {
      for (let at = 0; at < bytes.length / 2; at += 16_384) yield bytes.subarray(at, at + 16_384);
      throw new Error("the disk went away");
    }
    await expect(
      importVoterFile(precinct, failing(), { source: "failing stream", batchSize: 50, worker: false }),
    ).rejects.toThrow(/the disk went away/);
    expect(await stored(precinct)).toEqual([]);
    expect(await voterIndexes(precinct)).toEqual(indexesBefore);
    const log = await precinct.storage.db
      .selectFrom("voterImport")
      .select(["status", "read"])
      .where("organizationId", "=", precinct.organization.id)
      .execute();
    expect(log).toHaveLength(1);
    expect(log[0]?.status).toBe("failed");
    expect(log[0]?.read).toBeGreaterThan(50);
  });

  let bulk: Precinct;
  let bulkSummary: ImportSummary;
  it("a first load through the worker stores what a row-by-row import in one thread stores", async () => {
    setImportWorkerScript(workerScript);
    bulk = await db().client();
    bulkSummary = await importVoterFile(bulk, path, { worker: true, batchSize: 100 });
    // The table held no voter: this was the bulk load, and its indexes are back.
    expect(await voterIndexes(bulk)).toEqual(indexesBefore);

    const rowByRow = await db().client();
    const oneThread = await importVoterFile(rowByRow, createReadStream(path), {
      source: path,
      worker: false,
      batchSize: 100,
    });
    expect(counts(bulkSummary)).toEqual(counts(oneThread));
    expect(bulkSummary.rejected).toBeGreaterThan(0);
    expect(bulkSummary.unchanged).toBeGreaterThan(0); // the file repeats voters
    expect(bulkSummary.inserted).toBeGreaterThan(1_000);
    expect(bulkSummary.errors.length).toBeGreaterThan(0);
    const voters = await stored(bulk);
    expect(voters).toHaveLength(bulkSummary.inserted);
    expect(voters).toEqual(await stored(rowByRow));
  });

  it("re-importing through the worker changes nothing and logs no change", async () => {
    const again = await importVoterFile(bulk, path, { worker: true, batchSize: 100 });
    expect(again.inserted).toBe(0);
    expect(again.updated).toBe(0);
    expect(again.unchanged).toBe(bulkSummary.inserted + bulkSummary.unchanged);
    expect(again.errors).toEqual(bulkSummary.errors);
    const changes = await bulk.storage.db
      .selectFrom("voterChange")
      .select("id")
      .where("organizationId", "=", bulk.organization.id)
      .execute();
    expect(changes).toEqual([]);
  });
});

describe("bulk registration import under a memory budget [sqlite]", () => {
  // One SQLite database of its own: the budget path opens a second connection to its file.
  let root: Precinct;
  beforeAll(async () => {
    root = await createPrecinct({ database: join(dir, "budget.db") });
  });
  afterAll(async () => {
    setLowMemory(undefined);
    await root.close();
  });
  const organization = () =>
    root.forOrganization({
      name: "Budget organization",
      slug: `budget-${Math.random().toString(36).slice(2, 10)}`,
    });
  const exec = (sql: string) =>
    (root.storage.driver as unknown as { database: { exec(sql: string): unknown } }).database.exec(sql);

  it("a load that fails midway in its worker is rolled back with the voter table's indexes intact", async () => {
    setImportWorkerScript(workerScript);
    // The 1,000th voter of the file cannot be written: a trigger refuses it, as a full disk would.
    const file = await openDelimited(createReadStream(path));
    let victim = "";
    for await (const row of file.rows) {
      if (row.row === 1_000) victim = toRecord(file.header, row.fields).ncid ?? "";
    }
    expect(victim).toMatch(/\w/);
    exec(
      `create trigger precinct_test_refuse before insert on voter when new.state_voter_id = '${victim}'
       begin select raise(abort, 'refused by the test'); end`,
    );
    setLowMemory(true);
    try {
      const precinct = await organization();
      const before = await voterIndexes(precinct);
      await expect(importVoterFile(precinct, path, { batchSize: 100 })).rejects.toThrow(
        /refused by the test/,
      );
      expect(await stored(precinct)).toEqual([]);
      expect(await voterIndexes(precinct)).toEqual(before);
    } finally {
      setLowMemory(undefined);
      exec("drop trigger precinct_test_refuse");
    }
  });

  it("a load in one worker stores what the one-thread import stores, and a county refresh from it works", async () => {
    setImportWorkerScript(workerScript);
    setLowMemory(true);
    const budget = await organization();
    const summary = await importVoterFile(budget, path, { batchSize: 100 });
    setLowMemory(undefined);
    const oneThread = await organization();
    const reference = await importVoterFile(oneThread, path, { batchSize: 100, worker: false });
    expect(counts(summary)).toEqual(counts(reference));
    expect(summary.inserted).toBeGreaterThan(1_000);
    expect(await stored(budget)).toEqual(await stored(oneThread));

    // A county refresh in the worker: a voter the file no longer lists is marked removed.
    const [first] = await stored(budget);
    const removedId = first?.stateVoterId ?? "";
    const lines = readFileSync(path, "latin1").split(/\r?\n/);
    const without = join(dir, "ncvoter-refresh.txt");
    writeFileSync(without, lines.filter((line) => !line.includes(`"${removedId}"`)).join("\r\n"), "latin1");
    setLowMemory(true);
    const refresh = await importVoterFile(budget, without, { batchSize: 100, removeMissing: "counties" });
    setLowMemory(undefined);
    expect(refresh.removed).toBe(1);
    expect(refresh.inserted).toBe(0);
    const after = await stored(budget);
    expect(after.find((voter) => voter.stateVoterId === removedId)?.status).toBe("removed");
  });
});
