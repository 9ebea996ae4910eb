/**
 * The importer's compiled registration path must write exactly what `layout.mapRow` + `encodeVoter` would:
 * the same values, keys and hash, the same row errors and the same warnings — for every generated layout
 * with noise, and for hand-made rows that reach the normalizers' corners.
 */
import { createReadStream, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  createSyntheticPopulation,
  mappedVoterFileMapping,
  type SyntheticState,
  writeVoterFile,
} from "@precinct/testing";
import { afterAll, describe, expect, it } from "vitest";
import { encodeVoter, pushEncoded, ROW_WIDTH, type StoredValue } from "../src/import/encode.js";
import { canCompile, compileRegistration } from "../src/import/fast-registration.js";
import {
  layoutById,
  mappedLayout,
  NC_VOTER_COLUMNS,
  ncVoterLayout,
  openDelimited,
  type RegistrationLayout,
  toRecord,
} from "../src/index.js";
import { registrationSpecOf } from "../src/layouts/mapping.js";
import { ncVoterRow, writeNcFile } from "./nc-fixtures.js";

const dir = mkdtempSync(join(tmpdir(), "precinct-fast-registration-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Outcome {
  row: number;
  errors?: { field: string; reason: string }[];
  values?: StoredValue[];
  warnings: string[];
}

/** Both paths over every row of a file; returns the outcomes side by side. */
async function bothPaths(path: string, layout: RegistrationLayout) {
  const file = await openDelimited(createReadStream(path));
  const spec = registrationSpecOf(layout.mapRow);
  if (!canCompile(spec)) throw new Error(`${layout.id} has no compilable spec`);
  const encode = compileRegistration(spec, file.header);
  const generic: Outcome[] = [];
  const fast: Outcome[] = [];
  for await (const { row, fields, error } of file.rows) {
    if (error !== undefined) continue;
    const mapped = layout.mapRow(toRecord(file.header, fields));
    if (mapped.kind === "error") generic.push({ row, errors: mapped.errors, warnings: [] });
    else if (mapped.kind === "ok") {
      const values: StoredValue[] = [];
      pushEncoded(values, row, encodeVoter(mapped.record.voter));
      generic.push({ row, values, warnings: mapped.warnings.map((warning) => warning.field) });
    }
    const values: StoredValue[] = [];
    const warnings: string[] = [];
    const errors = encode(fields, row, values, (field) => warnings.push(field));
    if (errors !== undefined) {
      expect(values).toEqual([]);
      fast.push({ row, errors: [...errors], warnings });
    } else {
      expect(values).toHaveLength(ROW_WIDTH);
      fast.push({ row, values, warnings });
    }
  }
  return { generic, fast };
}

describe("the compiled registration path", () => {
  const cases: { layout: string; state: SyntheticState }[] = [
    { layout: "nc-voter", state: "NC" },
    { layout: "wa-vrdb", state: "WA" },
    { layout: "ca-vrd", state: "CA" },
    { layout: "mapped", state: "NC" },
    { layout: "mapped", state: "WA" },
  ];
  for (const { layout: id, state } of cases) {
    it(`writes what mapRow and encodeVoter would for a noisy ${id} file (${state})`, async () => {
      const population = createSyntheticPopulation({
        seed: 4242,
        voters: 3_000,
        state,
        precinctsPerCounty: 4,
      });
      const path = join(dir, `${id}-${state}.txt`);
      const summary = await writeVoterFile(path, {
        population,
        layout: id as never,
        noise: {
          badRows: 0.03,
          duplicates: 0.03,
          misspellings: 0.05,
          blankLines: 0.01,
          trailingSpaces: 0.1,
          seed: 5,
        },
        columnOrder: "shuffled",
      });
      const layout = (
        id === "mapped" ? mappedLayout(mappedVoterFileMapping(state)) : layoutById(id)
      ) as RegistrationLayout;
      const { generic, fast } = await bothPaths(path, layout);
      expect(fast).toHaveLength(generic.length);
      expect(fast).toEqual(generic);
      // The noise reached the comparison: some rows were rejected, and good rows far outnumber them.
      expect(summary.badRows.length).toBeGreaterThan(0);
      expect(fast.filter((outcome) => outcome.errors).length).toBeGreaterThan(0);
      expect(fast.filter((outcome) => outcome.values).length).toBeGreaterThan(2_500);
    });
  }

  it("agrees on hand-made rows: units, PO boxes, fractions, bad ZIPs and states, suffixes, odd characters", async () => {
    const rows = [
      { res_street_address: "12 N MAIN ST  APT 4", first_name: "MARÍA", last_name: "GARCÍA" },
      { res_street_address: "14 N MAIN ST  APT 4", first_name: "JOSE", last_name: "GARCIA" },
      { res_street_address: "123 1/2 OAK AVENUE", last_name: "SMITH JR", first_name: "JOHN" },
      {
        res_street_address: "125 1/2 OAK AVENUE",
        last_name: "SMITH",
        first_name: "JOHN",
        name_suffix_lbl: "III",
      },
      { res_street_address: "PO BOX 12", middle_name: "NMN", last_name: "LEE", first_name: "KIM" },
      { res_street_address: "P.O. BOX 99", middle_name: "A B", last_name: "O'BRIEN", first_name: "SEAN" },
      { res_street_address: "RURAL ROUTE 2", last_name: "DE LA CRUZ", first_name: "ANA, MARIA" },
      { res_street_address: "7 NORTH ST", last_name: "MCDONALD", first_name: "V" },
      { res_street_address: "9 NORTH ST", last_name: "MacArthur", first_name: "Lee" },
      { res_street_address: "40 OAK AVE #4B", zip_code: "2760", first_name: "AL" },
      { res_street_address: "42 OAK AVE #4B", zip_code: "27601-1234", first_name: "AL" },
      { res_street_address: "44 OAK AVE", state_cd: "XX", first_name: "AL" },
      { res_street_address: "46 OAK AVE", zip_code: "ABCDE", state_cd: "XX", first_name: "AL" },
      { res_street_address: "0 MAIN STREET", first_name: "ZERO" },
      { res_street_address: "12", first_name: "ONLY NUMBER" },
      { res_street_address: "12 .", first_name: "DOT" },
      {
        res_street_address: "",
        mail_addr1: "55 ELM ST",
        mail_addr2: "SUITE 300",
        mail_city: "DURHAM",
        mail_state: "NC",
        mail_zipcode: "27701",
      },
      {
        res_street_address: "1 ELM ST",
        mail_addr1: "57 ELM ST",
        mail_addr2: "SUITE 300",
        mail_city: "DURHAM",
        mail_state: "NC",
        mail_zipcode: "27701",
      },
      {
        res_street_address: "3 ELM ST",
        mail_addr1: "PO BOX 5",
        mail_city: "DURHAM",
        mail_state: "ZZ",
        mail_zipcode: "27701",
      },
      // Quotes doubled: the fixture writes every field quoted.
      {
        res_street_address: '5 ""QUOTED"" LN',
        precinct_abbrv: 'P\\1""',
        ward_abbrv: "W\u0001",
        first_name: "Q",
      },
      { res_street_address: "8 MAIN ST", full_phone_number: "9195550123", first_name: "PHONE" },
      { res_street_address: "8 MAIN ST", full_phone_number: "1234", first_name: "PHONE" },
      { res_street_address: "10 MAIN ST", registr_dt: "13/45/2001", birth_year: "19X0" },
      { res_street_address: "10 MAIN ST", registr_dt: "13/45/2001", birth_year: "1950", status_cd: "Q" },
      { res_street_address: "10 MAIN ST", ncid: "", status_cd: "" },
      { res_street_address: "11 MAIN ST", registr_dt: "", birth_year: "" },
      {
        res_street_address: "13 main st",
        res_city_desc: "winston-salem",
        first_name: "lower",
        last_name: "case",
      },
    ];
    const path = writeNcFile(
      join(dir, "corners.txt"),
      NC_VOTER_COLUMNS,
      rows.map((fields, index) => ncVoterRow({ ncid: `ZZ${index}`, ...fields })),
    );
    const { generic, fast } = await bothPaths(path, ncVoterLayout);
    expect(generic).toHaveLength(rows.length);
    expect(fast).toEqual(generic);
    expect(fast.filter((outcome) => outcome.errors).length).toBe(3);
    expect(fast.flatMap((outcome) => outcome.warnings)).toEqual(
      expect.arrayContaining(["residentialAddress", "mailingAddress", "full_phone_number"]),
    );
  });

  it("a malformed residential ZIP is a warning with the street still keyed, not a failed import", () => {
    const header = [...NC_VOTER_COLUMNS];
    const spec = registrationSpecOf(ncVoterLayout.mapRow);
    if (!canCompile(spec)) throw new Error("nc-voter has no compilable spec");
    const fields = header.map((column) =>
      column === "ncid"
        ? "AA1"
        : column === "status_cd"
          ? "A"
          : column === "res_street_address"
            ? "12 MAIN ST"
            : column === "zip_code"
              ? "2760"
              : column === "state_cd"
                ? "NC"
                : "",
    );
    const out: StoredValue[] = [];
    const warnings: string[] = [];
    expect(
      compileRegistration(spec, header)(fields, 1, out, (field) => warnings.push(field)),
    ).toBeUndefined();
    expect(warnings).toEqual(["residentialAddress"]);
    const voter = ncVoterLayout.mapRow(toRecord(header, fields));
    if (voter.kind !== "ok") throw new Error("the row should map");
    const encoded = encodeVoter(voter.record.voter);
    expect(encoded.keys.slice(2)).toEqual([null, "12 main st"]);
  });
});
