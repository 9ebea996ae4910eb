import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { forEachDatabase } from "../../core/test/support/databases.js";
import { NC_VOTER_COLUMNS } from "../../voterfile/src/index.js";
import { ncVoterRow, writeNcFile } from "../../voterfile/test/nc-fixtures.js";
import { type CliIo, run } from "../src/index.js";

const dir = mkdtempSync(join(tmpdir(), "precinct-cli-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON summaries.
type Json = any;

async function cli(
  args: string[],
): Promise<{ code: number; stdout: string; stderr: string; json: () => Json }> {
  let stdout = "";
  let stderr = "";
  const io: CliIo = {
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
    isTty: false,
    env: {},
  };
  const code = await run(args, io);
  return { code, stdout, stderr, json: () => JSON.parse(stdout.trim().split("\n").at(-1) ?? "null") };
}

const file = writeNcFile(join(dir, "ncvoter.txt"), NC_VOTER_COLUMNS, [
  ncVoterRow({
    ncid: "AA1",
    last_name: "RIVERA",
    first_name: "ANA",
    full_phone_number: "9195550100",
    precinct_abbrv: "P1",
  }),
  ncVoterRow({
    ncid: "AA2",
    last_name: "COLE",
    first_name: "BEN",
    registr_dt: "02/30/2010",
    precinct_abbrv: "P1",
  }),
  ncVoterRow({
    ncid: "AA3",
    last_name: "DIAZ",
    first_name: "CRUZ",
    precinct_abbrv: "P2",
    res_street_address: "9 ELM ST",
  }),
]);

describe("precinct (no database)", () => {
  it("prints help, and refuses an unknown command or layout with exit 2", async () => {
    expect((await cli(["--help"])).stdout).toContain("segment count --where <json>");
    expect((await cli(["import", "--help"])).stdout).toContain("--layout <name>");
    const unknown = await cli(["frobnicate"]);
    expect(unknown.code).toBe(2);
    const layout = await cli(["import", file, "--layout", "tx"]);
    expect(layout.code).toBe(2);
    expect(layout.stderr).toContain('unknown --layout "tx"');
    const mapped = await cli(["import", file, "--layout", "mapped"]);
    expect(mapped.stderr).toContain("--layout mapped needs --mapping <file>");
  });
});

forEachDatabase("precinct CLI", (db) => {
  it("imports with --json: the last stdout line is the summary; rejected rows still exit 0", async () => {
    const client = await db().client();
    const org = client.organization.slug;
    const result = await cli(["import", file, "--db", db().url, "--org", org, "--json"]);
    expect(result.code, result.stderr).toBe(0);
    const summary = result.json();
    expect(summary).toMatchObject({ read: 3, inserted: 2, updated: 0, unchanged: 0, rejected: 1 });
    expect(summary.errors).toEqual([
      { row: 2, field: "registr_dt", reason: expect.stringContaining("02/30/2010") },
    ]);
    expect(await client.voters.count()).toBe(2);

    const again = await cli(["import", file, "--db", db().url, "--org", org]);
    expect(again.stdout).toMatch(/read 3, inserted 0, updated 0, unchanged 2, rejected 1/);
    expect(again.stdout).toContain("row 2, registr_dt:");
  });

  it("fails with exit 1 and says why when the file cannot be processed", async () => {
    const client = await db().client();
    const odd = join(dir, "odd.csv");
    writeFileSync(odd, "a,b\n1,2\n");
    const result = await cli(["import", odd, "--db", db().url, "--org", client.organization.slug, "--json"]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain("Unrecognized voter file header");
    expect(result.stdout).toBe("");
  });

  it("imports a mapped file with --mapping", async () => {
    const client = await db().client();
    const csv = join(dir, "mapped.csv");
    writeFileSync(csv, "ID,First,Last,Zip\nX1,Dana,Park,27601\n");
    const mapping = join(dir, "mapping.json");
    writeFileSync(
      mapping,
      JSON.stringify({
        kind: "registration",
        state: "nc",
        columns: { stateVoterId: "ID", givenName: "First", familyName: "Last" },
      }),
    );
    const result = await cli([
      "import",
      csv,
      "--layout",
      "mapped",
      "--mapping",
      mapping,
      "--db",
      db().url,
      "--org",
      client.organization.slug,
      "--json",
    ]);
    expect(result.code, result.stderr).toBe(0);
    expect(result.json()).toMatchObject({ layout: "mapped", inserted: 1 });
    expect(await client.voters.findByStateId("NC", "X1")).toMatchObject({ givenName: "Dana" });
    writeFileSync(mapping, JSON.stringify({ kind: "registration", state: "NC", columns: {} }));
    const bad = await cli(["import", csv, "--layout", "mapped", "--mapping", mapping, "--db", db().url]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("mapping.json.columns.stateVoterId");
  });

  it("counts and exports a segment", async () => {
    const client = await db().client();
    const org = client.organization.slug;
    await cli(["import", file, "--db", db().url, "--org", org]);
    const count = await cli([
      "segment",
      "count",
      "--where",
      '{"precinct":["P1"]}',
      "--db",
      db().url,
      "--org",
      org,
      "--json",
    ]);
    expect(count.code, count.stderr).toBe(0);
    expect(count.json()).toEqual({ count: 1 });
    expect(
      (await cli(["segment", "count", "--where", "{}", "--db", db().url, "--org", org, "--json"])).json(),
    ).toEqual({ count: 2 });
    const out = join(dir, `segment-${db().name}.csv`);
    const exported = await cli([
      "segment",
      "export",
      "--where",
      "{}",
      "--fields",
      "stateVoterId,givenName,phone",
      "--out",
      out,
      "--db",
      db().url,
      "--org",
      org,
    ]);
    expect(exported.code, exported.stderr).toBe(0);
    const [header, ...lines] = readFileSync(out, "utf8").trim().split("\n");
    expect(header).toBe("stateVoterId,givenName,phone");
    expect(lines.sort()).toEqual(["AA1,Ana,+19195550100", "AA3,Cruz,"]);
    const invalid = await cli([
      "segment",
      "count",
      "--where",
      '{"precint":["P1"]}',
      "--db",
      db().url,
      "--org",
      org,
    ]);
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toMatch(/precint/);
  });

  it("matches a people file: links the clear match, reports the bad row, exit 0", async () => {
    const client = await db().client();
    const org = client.organization.slug;
    await cli(["import", file, "--db", db().url, "--org", org]);
    const people = join(dir, `people-${db().name}.csv`);
    writeFileSync(
      people,
      [
        "first,last,street,city,state,zip,phone,birth_year",
        "Ana,Rivera,,Raleigh,NC,27601,919-555-0100,1980",
        "Zed,Nobody,1 Nowhere Ln,Raleigh,NC,27601,,1990",
        "Bad,Phone,,Raleigh,NC,27601,12,1980",
      ].join("\n"),
    );
    const result = await cli(["match", people, "--db", db().url, "--org", org, "--json", "--tag", "canvass"]);
    expect(result.code, result.stderr).toBe(0);
    const summary = result.json();
    expect(summary).toMatchObject({ rows: 3, linked: 1, unmatched: 1 });
    expect(summary.errors).toEqual([expect.objectContaining({ row: 3, field: "phone" })]);
    const ana = await client.voters.findByStateId("NC", "AA1");
    expect(ana?.personId).not.toBeNull();
    const text = await cli(["match", people, "--db", db().url, "--org", org]);
    expect(text.stdout).toMatch(/linked\s+0/);
    expect(text.stdout).toContain("row 3, phone:");
  });
});
