/** Small hand-written NC files for the import tests (synthetic people, no real voter data). */
import { writeFileSync } from "node:fs";
import { NC_HISTORY_COLUMNS, NC_VOTER_COLUMNS } from "../src/index.js";

/** An ncvoter row from a few fields; every other column blank. */
export function ncVoterRow(fields: Partial<Record<(typeof NC_VOTER_COLUMNS)[number], string>>): string {
  const defaults: Partial<Record<(typeof NC_VOTER_COLUMNS)[number], string>> = {
    county_id: "92",
    county_desc: "WAKE",
    voter_reg_num: "000001",
    status_cd: "A",
    voter_status_desc: "ACTIVE",
    state_cd: "NC",
    res_city_desc: "RALEIGH",
    zip_code: "27601",
    registr_dt: "03/15/2004",
    party_cd: "DEM",
    gender_code: "F",
    birth_year: "1980",
    precinct_abbrv: "01-01",
    nc_house_abbrv: "036",
    cong_dist_abbrv: "2",
  };
  const row = { ...defaults, ...fields };
  return NC_VOTER_COLUMNS.map((column) => `"${row[column] ?? ""}"`).join("\t");
}

/** An ncvhis row. */
export function ncHistoryRow(fields: Partial<Record<(typeof NC_HISTORY_COLUMNS)[number], string>>): string {
  const defaults = { county_id: "92", county_desc: "WAKE", voted_county_desc: "WAKE" };
  const row: Record<string, string> = { ...defaults, ...fields };
  return NC_HISTORY_COLUMNS.map((column) => `"${row[column] ?? ""}"`).join("\t");
}

/** Writes an NC file: header, then rows, CRLF, Latin-1. */
export function writeNcFile(path: string, columns: readonly string[], rows: string[]): string {
  const text = `${[columns.map((column) => `"${column}"`).join("\t"), ...rows].join("\r\n")}\r\n`;
  writeFileSync(path, Buffer.from(text, "latin1"));
  return path;
}
