import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Precinct } from "@precinct/core";
import { beforeAll, describe, expect, it } from "vitest";
import { matchPeopleFile } from "../src/match/match-people-file.js";
import { mapPeopleColumns, peopleRowToInput } from "../src/match/people-csv.js";
import { reviewQueue } from "../src/match/review-queue.js";
import { addVoter, forEachDatabase } from "./match-support.js";
import { utf8 } from "./support.js";

const dir = mkdtempSync(join(tmpdir(), "precinct-match-file-"));

function csv(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe("people file columns", () => {
  it("finds columns by header name in any case and spelling", () => {
    expect(
      mapPeopleColumns([
        "First Name",
        "LAST_NAME",
        "e-mail",
        "Cell",
        "Address 1",
        "Apt",
        "ZIP Code",
        "DOB",
        "ncid",
      ]),
    ).toEqual({
      givenName: "First Name",
      familyName: "LAST_NAME",
      email: "e-mail",
      phone: "Cell",
      street: "Address 1",
      street2: "Apt",
      zip: "ZIP Code",
      birthdate: "DOB",
      ncid: "ncid",
    });
    expect(() => mapPeopleColumns(["color", "size"])).toThrow(/no name, email or phone column/);
  });

  it("turns a row into a people.upsert input", () => {
    const columns = mapPeopleColumns([
      "first",
      "last",
      "street",
      "state",
      "zip",
      "birth_year",
      "state_voter_id",
    ]);
    const { input, errors } = peopleRowToInput(
      {
        first: "Ana",
        last: "Ruiz",
        street: "1 Main St",
        state: "OH",
        zip: "43215",
        birth_year: "1980",
        state_voter_id: "OH001",
      },
      columns,
      { tags: ["signup"] },
    );
    expect(errors).toEqual([]);
    expect(input).toMatchObject({
      givenName: "Ana",
      familyName: "Ruiz",
      birthYear: 1980,
      postalAddresses: [{ addressLines: ["1 Main St"], region: "OH", postalCode: "43215" }],
      identifiers: ["voter_oh:OH001"],
      tags: ["signup"],
    });
    expect(peopleRowToInput({ first: "", last: "", birth_year: "80" }, columns).errors).toEqual([
      { field: "birth_year", reason: "is not a 4-digit year", value: "80" },
      { field: "row", reason: "has no name, email or phone" },
    ]);
  });
});

forEachDatabase("matchPeopleFile", (db) => {
  let precinct: Precinct;
  let william: string;

  beforeAll(async () => {
    precinct = await db().client();
    william = (
      await addVoter(precinct, {
        givenName: "WILLIAM",
        familyName: "OKAFOR",
        birthYear: 1980,
        street: "12 OAK ST",
        zip: "27601",
      })
    ).id;
    await addVoter(precinct, {
      stateVoterId: "BX998877",
      givenName: "ROSA",
      familyName: "PARKS",
      birthYear: 1913,
    });
    await addVoter(precinct, {
      givenName: "PATRICIA",
      familyName: "QUESADA",
      birthYear: 1970,
      street: "1 MAIN ST",
      zip: "27610",
    });
    await addVoter(precinct, {
      givenName: "PATRICIA",
      familyName: "QUESADA",
      birthYear: 1970,
      street: "9 HILL DR",
      zip: "28202",
    });
  });

  it("imports good rows, reports bad ones by row, column and reason, and matches everyone", async () => {
    const path = csv(
      `people-${db().name}.csv`,
      [
        "First Name,Last Name,Email,Phone,Street,City,State,Zip,DOB,NCID",
        "Bill,Okafor,bill@example.org,919-555-0101,12 Oak Street,Raleigh,NC,27601,1980-04-02,",
        "Rosa,Parks,,,,,,,,BX998877",
        "Pat,Quesada,pat@example.org,,,,,,1970-01-01,",
        "Bad,Phone,bad@example.org,12,,,,,,",
        "Bad,Zip,zip@example.org,,1 A St,Raleigh,NC,ABCDE,,",
        "Bad,Date,date@example.org,,,,,,13/45/1980,",
        ",,,,,,,,,",
        "Short,Row",
        "Zelda,Fitzgerald,zelda@example.org,,,,,,1900-09-24,",
      ].join("\n"),
    );
    const summary = await matchPeopleFile(precinct, path, { tags: ["signup-test"] });
    expect(summary).toMatchObject({
      rows: 9,
      created: 4,
      existing: 0,
      people: 4,
      linked: 2,
      review: 1,
      unmatched: 1,
      alreadyLinked: 0,
    });
    expect(summary.errors).toEqual([
      expect.objectContaining({ row: 4, field: "Phone", value: "12" }),
      expect.objectContaining({ row: 5, field: "Zip", value: "ABCDE" }),
      expect.objectContaining({ row: 6, field: "DOB", value: "13/45/1980" }),
      { row: 7, field: "row", reason: "has no name, email or phone" },
      { row: 8, field: "row", reason: "expected 10 fields, found 2" },
    ]);
    expect(summary.errors[0]!.reason).toMatch(/phone/);
    const bill = (await precinct.voters.get(william))!.personId;
    expect(bill).not.toBeNull();
    expect((await precinct.people.get(bill!))!.tags).toEqual(["signup-test"]);
    expect((await reviewQueue(precinct)).map((item) => item.person.givenName)).toEqual(["Pat"]);

    // Running the same file again finds the same people and changes nothing.
    const again = await matchPeopleFile(precinct, path, { tags: ["signup-test"] });
    expect(again).toMatchObject({
      created: 0,
      existing: 4,
      linked: 0,
      review: 1,
      unmatched: 1,
      alreadyLinked: 2,
    });
  });

  it("reads tab-separated bytes and rejects a file without usable columns", async () => {
    const tsv = utf8(
      "given_name\tfamily_name\tbirth_year\taddress\tzip\nBill\tOkafor\t1980\t12 Oak St\t27601\n",
    );
    const other = await db().client();
    const summary = await matchPeopleFile(
      other,
      (async function* () {
        yield tsv;
      })(),
    );
    expect(summary).toMatchObject({ rows: 1, created: 1, unmatched: 1, errors: [] });
    await expect(matchPeopleFile(other, csv("useless.csv", "color,size\nred,L\n"))).rejects.toThrow(
      /no name, email or phone column/,
    );
  });
});
