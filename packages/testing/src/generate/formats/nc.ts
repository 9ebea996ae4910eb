/**
 * North Carolina's `ncvoter` and `ncvhis` files: tab-delimited, every field double-quoted, CRLF, Latin-1,
 * names and addresses upper case, dates `MM/DD/YYYY`, some fields padded with trailing spaces.
 *
 * @module
 */

import type { VoterStatus } from "@precinct/core";
import { usDate } from "../elections.js";
import { upper } from "../names.js";
import { rngFor } from "../random.js";
import type { SyntheticVotingMethod } from "../states.js";
import { type FormatRow, NC_STATUS_CODES, type VoterFileFormat } from "./format.js";

/** The 67 columns of the 2022+ `ncvoter` layout, in file order. */
export const NC_VOTER_FILE_COLUMNS: readonly string[] = [
  "county_id",
  "county_desc",
  "voter_reg_num",
  "ncid",
  "last_name",
  "first_name",
  "middle_name",
  "name_suffix_lbl",
  "status_cd",
  "voter_status_desc",
  "reason_cd",
  "voter_status_reason_desc",
  "res_street_address",
  "res_city_desc",
  "state_cd",
  "zip_code",
  "mail_addr1",
  "mail_addr2",
  "mail_addr3",
  "mail_addr4",
  "mail_city",
  "mail_state",
  "mail_zipcode",
  "full_phone_number",
  "confidential_ind",
  "registr_dt",
  "race_code",
  "ethnic_code",
  "party_cd",
  "gender_code",
  "birth_year",
  "age_at_year_end",
  "birth_state",
  "drivers_lic",
  "precinct_abbrv",
  "precinct_desc",
  "municipality_abbrv",
  "municipality_desc",
  "ward_abbrv",
  "ward_desc",
  "cong_dist_abbrv",
  "super_court_abbrv",
  "judic_dist_abbrv",
  "nc_senate_abbrv",
  "nc_house_abbrv",
  "county_commiss_abbrv",
  "county_commiss_desc",
  "township_abbrv",
  "township_desc",
  "school_dist_abbrv",
  "school_dist_desc",
  "fire_dist_abbrv",
  "fire_dist_desc",
  "water_dist_abbrv",
  "water_dist_desc",
  "sewer_dist_abbrv",
  "sewer_dist_desc",
  "sanit_dist_abbrv",
  "sanit_dist_desc",
  "rescue_dist_abbrv",
  "rescue_dist_desc",
  "munic_dist_abbrv",
  "munic_dist_desc",
  "dist_1_abbrv",
  "dist_1_desc",
  "vtd_abbrv",
  "vtd_desc",
];

/** The columns of `ncvhis`, in file order. */
export const NC_HISTORY_FILE_COLUMNS: readonly string[] = [
  "county_id",
  "county_desc",
  "voter_reg_num",
  "election_lbl",
  "election_desc",
  "voting_method",
  "voted_party_cd",
  "voted_party_desc",
  "pct_label",
  "pct_description",
  "ncid",
  "voted_county_id",
  "voted_county_desc",
  "vtd_label",
  "vtd_description",
];

const STATUS_DESCRIPTIONS: Readonly<Record<VoterStatus, string>> = {
  active: "ACTIVE",
  inactive: "INACTIVE",
  removed: "REMOVED",
  denied: "DENIED",
  temporary: "TEMPORARY",
  unknown: "",
};

const PARTY_DESCRIPTIONS: Readonly<Record<string, string>> = {
  DEM: "DEMOCRATIC",
  REP: "REPUBLICAN",
  UNA: "UNAFFILIATED",
  LIB: "LIBERTARIAN",
  GRE: "GREEN",
};

/**
 * The `voting_method` labels of each method: the current label first, then the older one the same ballot
 * may also be listed under (NC relabelled methods over the years, which duplicates rows).
 */
export const NC_METHOD_LABELS: Readonly<Record<SyntheticVotingMethod, readonly [string, string]>> = {
  in_person: ["IN-PERSON", "ELECTION DAY"],
  early: ["ABSENTEE ONESTOP", "EARLY VOTING"],
  absentee: ["ABSENTEE BY MAIL", "MAIL"],
  mail: ["ABSENTEE BY MAIL", "MAIL"],
  provisional: ["PROVISIONAL", "PROVISIONAL"],
};

/** @internal The `ncvoter` format. */
export const ncVoterFormat: VoterFileFormat = {
  layout: "nc-voter",
  state: "NC",
  kind: "registration",
  delimiter: "\t",
  quoting: "all",
  lineEnding: "\r\n",
  encoding: "latin1",
  roles: {
    id: "ncid",
    date: "registr_dt",
    dateStyle: "us",
    givenName: "first_name",
    familyName: "last_name",
    middleName: "middle_name",
  },
  columns: () => [...NC_VOTER_FILE_COLUMNS],
  rows(voter, population, emit) {
    const d = voter.districts;
    const mail = voter.mailing;
    // Every column, in file order: the writer takes the values as they come.
    const row: FormatRow = {
      county_id: voter.countyCode,
      county_desc: voter.countyName,
      voter_reg_num: voter.countyVoterId.padStart(12, "0"),
      ncid: voter.stateVoterId,
      last_name: upper(voter.familyName),
      first_name: upper(voter.givenName),
      middle_name: upper(voter.middleName),
      name_suffix_lbl: voter.suffix,
      status_cd: NC_STATUS_CODES[voter.status],
      voter_status_desc: STATUS_DESCRIPTIONS[voter.status],
      reason_cd: voter.statusReasonCode,
      voter_status_reason_desc: voter.statusReason,
      // The state pads some text columns to a fixed width; readers must trim.
      res_street_address: voter.residence.line1.padEnd(40),
      res_city_desc: voter.residence.city.padEnd(20),
      state_cd: "NC",
      zip_code: voter.residence.zip,
      mail_addr1: mail?.line1 ?? "",
      mail_addr2: "",
      mail_addr3: "",
      mail_addr4: "",
      mail_city: mail?.city ?? "",
      mail_state: mail?.state ?? "",
      mail_zipcode: mail?.zip ?? "",
      full_phone_number: voter.phone ?? "",
      confidential_ind: "N",
      registr_dt: usDate(voter.registrationDate),
      race_code: voter.race,
      ethnic_code: voter.ethnicity,
      party_cd: voter.party ?? "",
      gender_code: voter.gender,
      birth_year: String(voter.birthYear),
      age_at_year_end: String(Number(population.asOf.slice(0, 4)) - voter.birthYear),
      birth_state: voter.birthState,
      drivers_lic: voter.driversLicense ? "Y" : "N",
      precinct_abbrv: voter.precinctCode,
      precinct_desc: voter.precinctName,
      municipality_abbrv: d.municipality,
      municipality_desc: d.municipalityName,
      ward_abbrv: d.ward,
      ward_desc: d.ward === "" ? "" : `${d.municipalityName} WARD ${d.ward}`,
      cong_dist_abbrv: d.congressional,
      super_court_abbrv: d.superiorCourt,
      judic_dist_abbrv: d.judicial,
      nc_senate_abbrv: d.stateSenate,
      nc_house_abbrv: d.stateHouse,
      county_commiss_abbrv: d.countyCommission,
      county_commiss_desc: `${voter.countyName} COMMISSIONER DISTRICT ${d.countyCommission}`,
      township_abbrv: d.township,
      township_desc: d.townshipName,
      school_dist_abbrv: d.school,
      school_dist_desc: d.schoolName,
      fire_dist_abbrv: d.fire,
      fire_dist_desc: d.fireName,
      water_dist_abbrv: "",
      water_dist_desc: "",
      sewer_dist_abbrv: "",
      sewer_dist_desc: "",
      sanit_dist_abbrv: "",
      sanit_dist_desc: "",
      rescue_dist_abbrv: "",
      rescue_dist_desc: "",
      munic_dist_abbrv: "",
      munic_dist_desc: "",
      dist_1_abbrv: "",
      dist_1_desc: "",
      vtd_abbrv: voter.precinctCode,
      vtd_desc: voter.precinctCode,
    };
    emit(row);
  },
};

/** @internal The `ncvhis` format. */
export const ncHistoryFormat: VoterFileFormat = {
  layout: "nc-history",
  state: "NC",
  kind: "history",
  delimiter: "\t",
  quoting: "all",
  lineEnding: "\r\n",
  encoding: "latin1",
  roles: { id: "ncid", date: "election_lbl", dateStyle: "us" },
  columns: () => [...NC_HISTORY_FILE_COLUMNS],
  rows(voter, population, emit, options) {
    const votes = population.participation(voter.index);
    if (votes.length === 0) return;
    const rng = rngFor(population.seed ^ 0x6e63, voter.index, 0x68);
    for (const vote of votes) {
      const election = population.elections[vote.electionIndex];
      if (election === undefined) continue;
      const party = vote.party ?? voter.party ?? "";
      const [label, oldLabel] = NC_METHOD_LABELS[vote.method];
      const row: FormatRow = {
        county_id: voter.countyCode,
        county_desc: voter.countyName,
        voter_reg_num: voter.countyVoterId.padStart(12, "0"),
        election_lbl: usDate(election.date),
        election_desc: election.name,
        voting_method: label,
        voted_party_cd: party,
        voted_party_desc: PARTY_DESCRIPTIONS[party] ?? "",
        pct_label: voter.precinctCode,
        pct_description: voter.precinctName,
        ncid: voter.stateVoterId,
        voted_county_id: voter.countyCode,
        voted_county_desc: voter.countyName,
        vtd_label: voter.precinctCode,
        vtd_description: voter.precinctCode,
      };
      const relabel = rng.chance(options.relabeledBallots) && oldLabel !== label;
      if (!relabel) {
        emit(row);
        continue;
      }
      // One ballot, two rows: under the old label and the new one, in either order.
      const old = { ...row, voting_method: oldLabel };
      const oldFirst = rng.chance(0.5);
      emit(oldFirst ? old : row);
      emit(oldFirst ? row : old, true);
    }
  },
};
