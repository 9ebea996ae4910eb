import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type Precinct, PrecinctError } from "@precinct/core";
import { afterAll, beforeEach, expect, it } from "vitest";
import { forEachDatabase } from "../../core/test/support/databases.js";
import {
  type ImportProgress,
  importVoterFile,
  mappedLayout,
  NC_HISTORY_COLUMNS,
  NC_VOTER_COLUMNS,
} from "../src/index.js";
import { ncHistoryRow, ncVoterRow, writeNcFile } from "./nc-fixtures.js";

const dir = mkdtempSync(join(tmpdir(), "precinct-import-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let fileCount = 0;
const file = (name: string) => join(dir, `${++fileCount}-${name}`);

const week1 = [
  ncVoterRow({
    ncid: "AA100",
    last_name: "GARCÍA",
    first_name: "MARÍA",
    res_street_address: "12 N MAIN ST  APT 4",
    full_phone_number: "9195550123",
  }),
  ncVoterRow({
    ncid: "AA101",
    last_name: "SMITH",
    first_name: "JOHN",
    name_suffix_lbl: "JR",
    res_street_address: "40 OAK AVE",
    precinct_abbrv: "01-02",
  }),
  ncVoterRow({
    ncid: "AA102",
    last_name: "LEE",
    first_name: "KIM",
    res_street_address: "7 PINE RD",
    county_desc: "DURHAM",
    county_id: "32",
  }),
];

async function voters(precinct: Precinct) {
  return precinct.storage.db
    .selectFrom("voter")
    .selectAll()
    .where("organizationId", "=", precinct.organization.id)
    .orderBy("stateVoterId")
    .execute();
}

forEachDatabase("voter file import", (db) => {
  let precinct: Precinct;
  beforeEach(async () => {
    precinct = await db().client();
  });

  it("imports ncvoter rows, normalizes them, reports bad rows by number and field, and logs the import", async () => {
    const path = writeNcFile(file("ncvoter.txt"), NC_VOTER_COLUMNS, [
      week1[0] as string,
      ncVoterRow({ ncid: "AA900", last_name: "DOE", first_name: "JANE", registr_dt: "13/45/2001" }),
      week1[1] as string,
      '"92"\t"WAKE"\t"short row"',
      week1[2] as string,
      ncVoterRow({ ncid: "", last_name: "NOID", first_name: "NO" }),
    ]);
    const progress: ImportProgress[] = [];
    const summary = await importVoterFile(precinct, path, { onProgress: (p) => progress.push(p) });
    expect(summary).toMatchObject({
      layout: "nc-voter",
      kind: "registration",
      read: 6,
      inserted: 3,
      rejected: 3,
    });
    expect(summary.errors).toEqual([
      { row: 2, field: "registr_dt", reason: expect.stringContaining("13/45/2001") },
      { row: 4, field: null, reason: "expected 67 fields, found 3" },
      { row: 6, field: "ncid", reason: "is blank" },
    ]);
    expect(progress.at(-1)).toMatchObject({ rows: 6, percent: 100 });

    const stored = await voters(precinct);
    expect(stored.map((voter) => voter.stateVoterId)).toEqual(["AA100", "AA101", "AA102"]);
    const maria = await precinct.voters.findByStateId("NC", "AA100");
    expect(maria).toMatchObject({
      givenName: "María",
      familyName: "García",
      phone: "+19195550123",
      registrationDate: "2004-03-15",
      birthYear: 1980,
      status: "active",
      precinct: "01-01",
      residentialAddress: {
        addressLines: ["12 N Main St Apt 4"],
        locality: "Raleigh",
        region: "NC",
        postalCode: "27601",
      },
    });
    expect(maria?.districts).toMatchObject({ stateHouse: "036", congressional: "2" });
    expect(stored[0]).toMatchObject({
      givenKey: "maria",
      familyKey: "garcia",
      zip5: "27601",
      streetKey: "12 n main st apt 4",
    });
    expect(stored[1]).toMatchObject({ givenName: "John", honorificSuffix: "Jr." });

    const log = await precinct.storage.db
      .selectFrom("voterImport")
      .selectAll()
      .where("id", "=", summary.importId)
      .executeTakeFirstOrThrow();
    expect(log).toMatchObject({ status: "completed", read: 6, inserted: 3, rejected: 3, layout: "nc-voter" });
  });

  it("re-importing the same file changes nothing, and a repeated row is not a second voter", async () => {
    const path = writeNcFile(file("ncvoter.txt"), NC_VOTER_COLUMNS, [...week1, week1[0] as string]);
    const first = await importVoterFile(precinct, path);
    expect(first).toMatchObject({ read: 4, inserted: 3, unchanged: 1, updated: 0 });
    const second = await importVoterFile(precinct, path);
    expect(second).toMatchObject({ read: 4, inserted: 0, updated: 0, unchanged: 4, removed: 0 });
    expect(await voters(precinct)).toHaveLength(3);
  });

  it("a weekly refresh updates changed voters with the change recorded and marks missing ones removed", async () => {
    await importVoterFile(precinct, writeNcFile(file("week1.txt"), NC_VOTER_COLUMNS, week1));
    const week2 = [
      ncVoterRow({
        ncid: "AA100",
        last_name: "GARCÍA",
        first_name: "MARÍA",
        res_street_address: "99 ELM ST",
        full_phone_number: "9195550123",
        status_cd: "I",
      }),
      week1[1] as string,
      ncVoterRow({ ncid: "AA103", last_name: "NGUYEN", first_name: "AN", res_street_address: "5 LAKE DR" }),
    ];
    const summary = await importVoterFile(precinct, writeNcFile(file("week2.txt"), NC_VOTER_COLUMNS, week2), {
      removeMissing: "state",
    });
    expect(summary).toMatchObject({ read: 3, inserted: 1, updated: 1, unchanged: 1, removed: 1 });

    const maria = await precinct.voters.findByStateId("NC", "AA100");
    expect(maria).toMatchObject({ status: "inactive", residentialAddress: { addressLines: ["99 Elm St"] } });
    const kim = await precinct.voters.findByStateId("NC", "AA102");
    expect(kim).toMatchObject({ status: "removed" });
    expect(kim?.removedAt).not.toBeNull();

    const changes = await precinct.storage.db
      .selectFrom("voterChange")
      .selectAll()
      .where("importId", "=", summary.importId)
      .orderBy("kind")
      .execute();
    expect(changes.map((change) => change.kind)).toEqual(["removed", "updated"]);
    const updated = changes[1]!;
    const diff = typeof updated.changes === "string" ? JSON.parse(updated.changes) : updated.changes;
    expect(diff.status).toEqual(["active", "inactive"]);
    expect(diff.residentialAddress[1].addressLines).toEqual(["99 Elm St"]);
    expect(Object.keys(diff).sort()).toEqual(["residentialAddress", "status"]);

    // The removed voter comes back when a later refresh lists them again.
    const week3 = await importVoterFile(
      precinct,
      writeNcFile(file("week3.txt"), NC_VOTER_COLUMNS, [...week2, week1[2] as string]),
      {
        removeMissing: "state",
      },
    );
    expect(week3).toMatchObject({ updated: 1, removed: 0 });
    expect(await precinct.voters.findByStateId("NC", "AA102")).toMatchObject({
      status: "active",
      removedAt: null,
    });
  });

  it("a county refresh removes only voters of the counties in the file", async () => {
    await importVoterFile(precinct, writeNcFile(file("all.txt"), NC_VOTER_COLUMNS, week1));
    const wakeOnly = [week1[0] as string];
    const summary = await importVoterFile(
      precinct,
      writeNcFile(file("wake.txt"), NC_VOTER_COLUMNS, wakeOnly),
      {
        removeMissing: "counties",
      },
    );
    expect(summary.removed).toBe(1);
    expect(await precinct.voters.findByStateId("NC", "AA101")).toMatchObject({ status: "removed" });
    expect(await precinct.voters.findByStateId("NC", "AA102")).toMatchObject({ status: "active" });
  });

  it("an unknown layout or unreadable file fails clearly and leaves the database as it was", async () => {
    await importVoterFile(precinct, writeNcFile(file("ncvoter.txt"), NC_VOTER_COLUMNS, week1));
    const before = await voters(precinct);
    const odd = file("odd.csv");
    writeFileSync(odd, "name,shoe_size\nAda,38\n");
    const error = await importVoterFile(precinct, odd).catch((e: unknown) => e);
    expect(PrecinctError.hasCode(error, "invalid_input")).toBe(true);
    expect((error as Error).message).toContain("odd.csv");
    expect((error as Error).message).toMatch(/Unrecognized voter file header/);
    const missing = await importVoterFile(precinct, join(dir, "nope.txt")).catch((e: unknown) => e);
    expect((missing as Error).message).toMatch(/Cannot read voter file .*nope\.txt/);
    const wrongLayout = await importVoterFile(precinct, odd, { layout: "nc-voter" }).catch((e: unknown) => e);
    expect((wrongLayout as Error).message).toMatch(/lacks column\(s\) the nc-voter layout needs: ncid/);
    expect(await voters(precinct)).toEqual(before);
    const logs = await precinct.storage.db
      .selectFrom("voterImport")
      .select("id")
      .where("organizationId", "=", precinct.organization.id)
      .execute();
    expect(logs).toHaveLength(1);
  });

  it("imports ncvhis history into elections and ballots, collapsing relabelled duplicates", async () => {
    await importVoterFile(precinct, writeNcFile(file("ncvoter.txt"), NC_VOTER_COLUMNS, week1));
    const history = writeNcFile(file("ncvhis.txt"), NC_HISTORY_COLUMNS, [
      ncHistoryRow({
        ncid: "AA100",
        election_lbl: "11/03/2020",
        election_desc: "11/03/2020 GENERAL",
        voting_method: "ABSENTEE ONESTOP",
        voted_party_cd: "DEM",
      }),
      ncHistoryRow({
        ncid: "AA100",
        election_lbl: "11/03/2020",
        election_desc: "11/03/2020 GENERAL",
        voting_method: "TRANSFER",
      }),
      ncHistoryRow({
        ncid: "AA100",
        election_lbl: "03/03/2020",
        election_desc: "03/03/2020 PRIMARY",
        voting_method: "IN-PERSON",
        voted_party_cd: "DEM",
      }),
      ncHistoryRow({
        ncid: "AA101",
        election_lbl: "11/03/2020",
        election_desc: "11/03/2020 GENERAL",
        voting_method: "ABSENTEE BY MAIL",
      }),
      ncHistoryRow({
        ncid: "AA101",
        election_lbl: "11/05/2019",
        election_desc: "11/05/2019 MUNICIPAL GENERAL",
        voting_method: "ELIGIBLE DID NOT VOTE",
      }),
      ncHistoryRow({
        ncid: "ZZ999",
        election_lbl: "11/03/2020",
        election_desc: "11/03/2020 GENERAL",
        voting_method: "IN-PERSON",
      }),
      ncHistoryRow({
        ncid: "AA102",
        election_lbl: "2020-99-99",
        election_desc: "BAD",
        voting_method: "IN-PERSON",
      }),
    ]);
    const summary = await importVoterFile(precinct, history);
    expect(summary).toMatchObject({ kind: "history", read: 7, inserted: 3, skipped: 1, rejected: 2 });
    expect(summary.unchanged).toBe(1);
    expect(summary.errors).toEqual(
      expect.arrayContaining([
        { row: 6, field: "ncid", reason: expect.stringContaining('"ZZ999"') },
        { row: 7, field: "election_lbl", reason: expect.any(String) },
      ]),
    );
    const maria = await precinct.voters.findByStateId("NC", "AA100");
    const ballots = await precinct.voters.history(maria!.id);
    expect(ballots.map((b) => [b.election.date, b.election.type, b.method, b.party])).toEqual([
      ["2020-11-03", "general", "early", "DEM"],
      ["2020-03-03", "primary", "in_person", "DEM"],
    ]);
    const elections = await precinct.storage.db
      .selectFrom("election")
      .selectAll()
      .where("organizationId", "=", precinct.organization.id)
      .execute();
    expect(elections).toHaveLength(2);
    // Importing it again adds nothing.
    const again = await importVoterFile(precinct, history);
    expect(again).toMatchObject({ inserted: 0, updated: 0 });
  });

  it("imports any CSV through a column mapping, and refuses a bad mapping naming the setting", async () => {
    const path = file("county-export.csv");
    writeFileSync(
      path,
      [
        "Voter ID,First,Last,DOB,Street,City,Zip,Phone,Party,Precinct,Status",
        "GA-1,Ada,Lovelace,1985-12-10,1 Analytical Way,Atlanta,30301,404-555-0100,DEM,P1,A",
        'GA-2,"Grace ""Amazing""",Hopper,12/09/1986,2 Compiler Ct,Atlanta,30302,,REP,P2,I',
        "GA-3,Bad,Date,1986-02-31,3 Way,Atlanta,30303,,DEM,P1,A",
      ].join("\n"),
    );
    const layout = mappedLayout({
      kind: "registration",
      state: "GA",
      columns: {
        stateVoterId: "Voter ID",
        givenName: "First",
        familyName: "Last",
        birthdate: "DOB",
        phone: "Phone",
        party: "Party",
        precinct: "Precinct",
        status: "Status",
        residentialAddress: { lines: ["Street"], locality: "City", postalCode: "Zip" },
      },
    });
    const summary = await importVoterFile(precinct, path, { layout });
    expect(summary).toMatchObject({ layout: "mapped", inserted: 2, rejected: 1 });
    expect(summary.errors[0]).toMatchObject({ row: 3, field: "DOB" });
    expect(await precinct.voters.findByStateId("GA", "GA-2")).toMatchObject({
      givenName: 'Grace "Amazing"',
      status: "inactive",
      birthYear: 1986,
      residentialAddress: { region: "GA", postalCode: "30302" },
    });
    expect(() =>
      mappedLayout({ kind: "registration", state: "GA", columns: { givenName: "First" } }, "ga.json"),
    ).toThrow(/ga\.json\.columns\.stateVoterId/);
    expect(() =>
      mappedLayout({ kind: "registration", state: "GA", columns: { stateVoterId: "ID", shoeSize: "Shoe" } }),
    ).toThrow(/mapping\.columns/);
  });
});
