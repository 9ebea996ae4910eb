import { PrecinctError } from "@precinct/core";
import { describe, expect, it } from "vitest";
import {
  type AnyLayout,
  caVphLayout,
  caVrdLayout,
  detectLayout,
  LAYOUTS,
  type MapResult,
  mergeVoteHistory,
  NC_HISTORY_COLUMNS,
  NC_VOTER_COLUMNS,
  ncHistoryLayout,
  ncVoterLayout,
  ohSwvfLayout,
  openDelimited,
  type RegistrationRecord,
  toRecord,
  type VoteHistoryRecord,
  voteHistoryKey,
  waVrdbLayout,
} from "../src/index.js";
import { chunked, collect, latin1 } from "./support.js";

/** A synthetic NC voter row (no real data), by column name. */
const NC_ROW: Record<string, string> = {
  county_id: "92",
  county_desc: "WAKE",
  voter_reg_num: "000012345",
  ncid: "ZZ999999",
  last_name: "MUÑOZ",
  first_name: "JOSÉ",
  middle_name: "NMN",
  name_suffix_lbl: "JR",
  status_cd: "A",
  voter_status_desc: "ACTIVE",
  reason_cd: "AV",
  voter_status_reason_desc: "VERIFIED",
  res_street_address: "123 NORTH MAIN STREET APT 4B",
  res_city_desc: "RALEIGH",
  state_cd: "NC",
  zip_code: "27601",
  full_phone_number: "(919) 555-0142",
  registr_dt: "03/05/2004",
  race_code: "W",
  ethnic_code: "HL",
  party_cd: "UNA",
  gender_code: "M",
  birth_year: "1980",
  precinct_abbrv: "01-07",
  cong_dist_abbrv: "2",
  nc_senate_abbrv: "15",
  nc_house_abbrv: "33",
  municipality_abbrv: "RAL",
  ward_abbrv: "",
  vtd_abbrv: "01-07",
};

function ok<T>(result: MapResult<T>): T {
  if (result.kind !== "ok") throw new Error(`expected ok, got ${JSON.stringify(result)}`);
  return result.record;
}

/** Builds a tab file from columns (in the given order) and row values by name, encoded as Latin-1. */
function ncFile(columns: readonly string[], rows: Record<string, string>[]): Uint8Array {
  const lines = [columns.map((c) => `"${c}"`).join("\t")];
  for (const row of rows) lines.push(columns.map((c) => `"${(row[c] ?? "").padEnd(6)}"`).join("\t"));
  return latin1(`${lines.join("\r\n")}\r\n`);
}

describe("nc-voter", () => {
  it("maps a Latin-1 file end to end, by name, whatever the column order", async () => {
    const shuffled = [...NC_VOTER_COLUMNS].reverse();
    for (const columns of [NC_VOTER_COLUMNS, shuffled]) {
      const file = await openDelimited(chunked(ncFile(columns, [NC_ROW]), 7));
      const layout = detectLayout(file.header);
      expect(layout.id).toBe("nc-voter");
      const [row] = await collect(file.rows);
      expect(row?.error).toBeUndefined();
      const { voter, votes } = ok(ncVoterLayout.mapRow(toRecord(file.header, row?.fields ?? [])));
      expect(votes).toEqual([]);
      expect(voter).toMatchObject({
        state: "NC",
        stateVoterId: "ZZ999999",
        countyVoterId: "000012345",
        county: "WAKE",
        status: "active",
        statusReason: "VERIFIED",
        registrationDate: "2004-03-05",
        party: "UNA",
        birthYear: 1980,
        gender: "M",
        race: "W",
        ethnicity: "HL",
        givenName: "José",
        familyName: "Muñoz",
        additionalName: null,
        honorificSuffix: "Jr.",
        phone: "+19195550142",
        precinct: "01-07",
        residentialAddress: {
          addressLines: ["123 N Main St Apt 4B"],
          locality: "Raleigh",
          region: "NC",
          postalCode: "27601",
          country: "US",
        },
        mailingAddress: null,
      });
      expect(voter.districts).toEqual({
        congressional: "2",
        stateSenate: "15",
        stateHouse: "33",
        county: "92",
        municipal: "RAL",
        vtd: "01-07",
      });
    }
  });

  it.each([
    ["A", "active"],
    ["I", "inactive"],
    ["R", "removed"],
    ["D", "denied"],
    ["S", "temporary"],
  ])("maps status %s to %s", (code, status) => {
    expect(ok(ncVoterLayout.mapRow({ ...NC_ROW, status_cd: code })).voter.status).toBe(status);
  });

  it("reports field errors instead of throwing", () => {
    const result = ncVoterLayout.mapRow({ ...NC_ROW, status_cd: "Q", registr_dt: "02/30/2020", ncid: "" });
    expect(result.kind).toBe("error");
    if (result.kind !== "error") return;
    expect(result.errors.map((e) => e.field).sort()).toEqual(["ncid", "registr_dt", "status_cd"]);
  });

  it("keeps a voter with a bad ZIP or phone, with warnings", () => {
    const result = ncVoterLayout.mapRow({ ...NC_ROW, zip_code: "ABCDE", full_phone_number: "12" });
    expect(result.kind).toBe("ok");
    if (result.kind !== "ok") return;
    expect(result.record.voter.residentialAddress?.postalCode).toBe("ABCDE");
    expect(result.record.voter.phone).toBeNull();
    expect(result.warnings.map((w) => w.field)).toEqual(["residentialAddress", "full_phone_number"]);
  });
});

describe("nc-history", () => {
  const base = {
    county_desc: "WAKE",
    ncid: "ZZ999999",
    election_lbl: "11/03/2020",
    election_desc: "11/03/2020 GENERAL",
    voted_party_cd: "UNA",
    voted_county_desc: "WAKE",
  };
  const map = (fields: Record<string, string>) => ncHistoryLayout.mapRow(fields);

  it("detects the layout from the full header", () => {
    expect(detectLayout([...NC_HISTORY_COLUMNS]).id).toBe("nc-history");
  });

  it.each([
    ["IN-PERSON", "in_person"],
    ["ABSENTEE ONESTOP", "early"],
    ["ABSENTEE  BY MAIL", "absentee"],
    ["PROVISIONAL", "provisional"],
    ["TRANSFER", "other"],
    ["", "unknown"],
  ])("maps voting_method %s to %s", (label, method) => {
    expect(ok(map({ ...base, voting_method: label })).method).toBe(method);
  });

  it("skips rows of voters who did not vote", () => {
    expect(map({ ...base, voting_method: "ELIGIBLE DID NOT VOTE" }).kind).toBe("skip");
  });

  it("warns on an unknown method label and records it as other", () => {
    const result = map({ ...base, voting_method: "BY CARRIER PIGEON" });
    expect(result).toMatchObject({
      kind: "ok",
      record: { method: "other" },
      warnings: [{ field: "voting_method" }],
    });
  });

  it.each([
    ["11/05/2019 MUNICIPAL GENERAL", "municipal"],
    ["03/03/2020 PRIMARY", "primary"],
    ["05/17/2022 SECOND PRIMARY", "runoff"],
    ["09/10/2019 SPECIAL GENERAL", "special"],
    ["11/03/2020 GENERAL", "general"],
    ["BOND REFERENDUM", "other"],
  ])("types %s as %s", (desc, type) => {
    expect(ok(map({ ...base, election_desc: desc, voting_method: "IN-PERSON" })).electionType).toBe(type);
  });

  it("maps a row fully, and reports a bad date", () => {
    expect(ok(map({ ...base, voting_method: "ABSENTEE BY MAIL" }))).toEqual({
      state: "NC",
      stateVoterId: "ZZ999999",
      electionDate: "2020-11-03",
      electionType: "general",
      electionName: "11/03/2020 GENERAL",
      method: "absentee",
      party: "UNA",
      county: "WAKE",
    });
    expect(map({ ...base, election_lbl: "13/45/2020", voting_method: "IN-PERSON" })).toMatchObject({
      kind: "error",
      errors: [{ field: "election_lbl" }],
    });
  });

  it("deduplicates rows of one ballot under old and new labels", () => {
    const old = ok(map({ ...base, voting_method: "ABSENTEE ONESTOP" }));
    const newer = ok(map({ ...base, voting_method: "TRANSFER", voted_party_cd: "" }));
    expect(voteHistoryKey(old)).toBe(voteHistoryKey(newer));
    const merged: VoteHistoryRecord = mergeVoteHistory(old, newer);
    expect(merged.method).toBe("early");
    expect(merged.party).toBe("UNA");
    const other = ok(
      map({
        ...base,
        election_lbl: "03/03/2020",
        election_desc: "03/03/2020 PRIMARY",
        voting_method: "IN-PERSON",
      }),
    );
    expect(voteHistoryKey(other)).not.toBe(voteHistoryKey(old));
  });
});

describe("oh-swvf", () => {
  it("maps a row with its per-election columns", async () => {
    const header = [
      "SOS_VOTERID",
      "COUNTY_NUMBER",
      "COUNTY_ID",
      "LAST_NAME",
      "FIRST_NAME",
      "MIDDLE_NAME",
      "SUFFIX",
      "DATE_OF_BIRTH",
      "REGISTRATION_DATE",
      "VOTER_STATUS",
      "PARTY_AFFILIATION",
      "RESIDENTIAL_ADDRESS1",
      "RESIDENTIAL_SECONDARY_ADDR",
      "RESIDENTIAL_CITY",
      "RESIDENTIAL_STATE",
      "RESIDENTIAL_ZIP",
      "RESIDENTIAL_ZIP_PLUS4",
      "PRECINCT_NAME",
      "PRECINCT_CODE",
      "CONGRESSIONAL_DISTRICT",
      "STATE_SENATE_DISTRICT",
      "STATE_REPRESENTATIVE_DISTRICT",
      "PRIMARY-03/17/2020",
      "GENERAL-11/03/2020",
      "SPECIAL-08/08/2023",
    ];
    const row = [
      "OH0000000001",
      "25",
      "9999",
      "O'BRIEN",
      "MARY",
      "K",
      "",
      "1975-07-04",
      "2001-10-01",
      "CONFIRMATION",
      "D",
      "10 ELM AVENUE",
      "",
      "COLUMBUS",
      "OH",
      "43215",
      "1234",
      "COLUMBUS 1-A",
      "25AAA",
      "3",
      "16",
      "25",
      "D",
      "X",
      "",
    ];
    const csv = `${header.join(",")}\n${row.map((v) => `"${v}"`).join(",")}\n`;
    const file = await openDelimited(chunked(new TextEncoder().encode(csv), 5));
    expect(detectLayout(file.header)).toBe(ohSwvfLayout);
    const [parsed] = await collect(file.rows);
    const { voter, votes } = ok(ohSwvfLayout.mapRow(toRecord(file.header, parsed?.fields ?? [])));
    expect(voter).toMatchObject({
      state: "OH",
      stateVoterId: "OH0000000001",
      county: "25",
      countyVoterId: "9999",
      status: "inactive",
      birthdate: "1975-07-04",
      birthYear: 1975,
      registrationDate: "2001-10-01",
      givenName: "Mary",
      familyName: "O'Brien",
      additionalName: "K",
      precinct: "25AAA",
      residentialAddress: { addressLines: ["10 Elm Ave"], locality: "Columbus", postalCode: "43215-1234" },
      districts: { congressional: "3", stateSenate: "16", stateHouse: "25" },
    });
    expect(votes).toEqual([
      expect.objectContaining({
        electionDate: "2020-03-17",
        electionType: "primary",
        party: "D",
        method: "unknown",
      }),
      expect.objectContaining({ electionDate: "2020-11-03", electionType: "general", party: null }),
    ]);
  });
});

describe("wa-vrdb", () => {
  it("maps a pipe-delimited row, by name", async () => {
    const text = [
      "StateVoterID|FName|MName|LName|NameSuffix|Birthyear|Gender|RegStNum|RegStFrac|RegStName|RegStType|RegUnitType|RegStPreDirection|RegStPostDirection|RegUnitNum|RegCity|RegState|RegZipCode|CountyCode|PrecinctCode|LegislativeDistrict|CongressionalDistrict|Registrationdate|LastVoted|StatusCode",
      "WA000000001|ANA||LOPEZ||1990|F|500||PINE|ST|APT|N||12|SEATTLE|WA|98101|KI|1234|43|7|2015-06-30|2024-11-05|Active",
    ].join("\n");
    const file = await openDelimited(chunked(new TextEncoder().encode(text), 9));
    expect(file.delimiter).toBe("|");
    expect(detectLayout(file.header)).toBe(waVrdbLayout);
    const [row] = await collect(file.rows);
    const { voter } = ok(waVrdbLayout.mapRow(toRecord(file.header, row?.fields ?? [])));
    expect(voter).toMatchObject({
      stateVoterId: "WA000000001",
      status: "active",
      birthYear: 1990,
      birthdate: null,
      registrationDate: "2015-06-30",
      givenName: "Ana",
      familyName: "Lopez",
      residentialAddress: { addressLines: ["500 N Pine St Apt 12"], locality: "Seattle", region: "WA" },
      districts: { congressional: "7", stateSenate: "43", stateHouse: "43", county: "KI" },
    });
  });
});

describe("ca-vrd and ca-vph", () => {
  const vrd: Record<string, string> = {
    CountyCode: "19",
    RegistrantID: "CA0000000042",
    LastName: "NGUYEN",
    FirstName: "LINH",
    MiddleName: "",
    Suffix: "",
    AddressNumber: "77",
    StreetName: "OCEAN",
    StreetType: "BLVD",
    City: "LONG BEACH",
    State: "CA",
    Zip: "90802",
    DOB: "01/02/1988",
    Gender: "F",
    PartyCode: "DEM",
    Status: "A",
    RegistrationDate: "10/15/2018",
    Precinct: "1234A",
  };

  it("detects and maps a vrd row", () => {
    const header = Object.keys(vrd).reverse();
    expect(detectLayout(header)).toBe(caVrdLayout);
    const { voter } = ok(
      caVrdLayout.mapRow(
        toRecord(
          header,
          header.map((h) => vrd[h] ?? ""),
        ),
      ),
    );
    expect(voter).toMatchObject({
      state: "CA",
      stateVoterId: "CA0000000042",
      status: "active",
      birthdate: "1988-01-02",
      birthYear: 1988,
      registrationDate: "2018-10-15",
      party: "DEM",
      residentialAddress: { addressLines: ["77 Ocean Blvd"], locality: "Long Beach", postalCode: "90802" },
    });
  });

  it("detects and maps a vph row", () => {
    const record = {
      CountyCode: "19",
      RegistrantID: "CA0000000042",
      ElectionDate: "11/08/2022",
      ElectionType: "G",
      Method: "V",
    };
    expect(detectLayout(Object.keys(record))).toBe(caVphLayout);
    expect(ok(caVphLayout.mapRow(record))).toMatchObject({
      stateVoterId: "CA0000000042",
      electionDate: "2022-11-08",
      electionType: "general",
      method: "mail",
    });
  });
});

describe("detectLayout", () => {
  it("matches case-insensitively and trimmed", () => {
    expect(detectLayout(NC_VOTER_COLUMNS.map((c) => ` ${c.toUpperCase()} `))).toBe(ncVoterLayout);
  });

  it("detects every layout from its own required columns, unambiguously", () => {
    for (const layout of LAYOUTS) expect(detectLayout([...layout.requiredColumns]).id).toBe(layout.id);
  });

  it("throws invalid_input naming the known layouts and the closest one's missing columns", () => {
    const header = NC_VOTER_COLUMNS.filter((c) => c !== "ncid" && c !== "registr_dt");
    let caught: unknown;
    try {
      detectLayout(header);
    } catch (error) {
      caught = error;
    }
    expect(PrecinctError.hasCode(caught, "invalid_input")).toBe(true);
    const error = caught as PrecinctError;
    expect(error.message).toContain("nc-voter, nc-history, oh-swvf, wa-vrdb, ca-vrd, ca-vph");
    expect(error.details).toMatchObject({
      closestLayout: "nc-voter",
      missingColumns: ["ncid", "registr_dt"],
    });
  });

  it("returns layouts typed well enough to map", () => {
    const layout: AnyLayout = detectLayout([...NC_VOTER_COLUMNS]);
    if (layout.kind !== "registration") throw new Error("expected a registration layout");
    const result: MapResult<RegistrationRecord> = layout.mapRow(NC_ROW);
    expect(result.kind).toBe("ok");
  });
});

describe("filePhone", () => {
  it("gives what the full parser gives, with the per-exchange cache warm or cold", async () => {
    const { filePhone } = await import("../src/layouts/mapping.js");
    const { tryNormalizePhone } = await import("@precinct/core");
    const numbers = [
      "9195550123",
      "919-825-0199",
      "(704) 222-1234",
      "1234567890",
      "9191234567",
      "2125551212",
      "919 825 0100",
      "+1 919 825 0100",
      "abc",
    ];
    for (const round of [1, 2]) {
      for (const number of numbers)
        expect(filePhone(number), `${number} round ${round}`).toBe(tryNormalizePhone(number));
    }
  });
});
