/**
 * Ohio Secretary of State statewide voter file (SWVF): comma-separated, quoted, one registration a row
 * with one column per election (`GENERAL-11/03/2020`) holding `X` (or the party ballot) where the person
 * voted.
 *
 * @module
 */

import type { ElectionType } from "@precinct/core";
import { registrationMapper } from "./mapping.js";
import type { RegistrationLayout } from "./types.js";

/** An Ohio per-election column: `GENERAL-11/03/2020`, `PRIMARY-05/03/2022`, `SPECIAL-08/08/2023`. */
export const OH_ELECTION_COLUMN = /^(GENERAL|PRIMARY|SPECIAL)-(\d{2})\/(\d{2})\/(\d{4})$/iu;

/** Ohio SWVF registrations, with their inline vote history. */
export const ohSwvfLayout: RegistrationLayout = {
  id: "oh-swvf",
  state: "OH",
  description: "Ohio statewide voter file (comma-separated, per-election columns)",
  delimiter: ",",
  kind: "registration",
  requiredColumns: [
    "SOS_VOTERID",
    "COUNTY_NUMBER",
    "LAST_NAME",
    "FIRST_NAME",
    "REGISTRATION_DATE",
    "VOTER_STATUS",
  ],
  mapRow: registrationMapper({
    state: "OH",
    // CONFIRMATION: the voter was mailed a confirmation notice and has not answered; Ohio's inactive status.
    statusCodes: { ACTIVE: "active", CONFIRMATION: "inactive", INACTIVE: "inactive", CANCELLED: "removed" },
    columns: {
      stateVoterId: "SOS_VOTERID",
      countyVoterId: "COUNTY_ID",
      county: "COUNTY_NUMBER",
      status: "VOTER_STATUS",
      registrationDate: "REGISTRATION_DATE",
      party: "PARTY_AFFILIATION",
      birthdate: "DATE_OF_BIRTH",
      givenName: "FIRST_NAME",
      familyName: "LAST_NAME",
      additionalName: "MIDDLE_NAME",
      suffix: "SUFFIX",
      precinct: "PRECINCT_CODE",
      residentialAddress: {
        lines: ["RESIDENTIAL_ADDRESS1", "RESIDENTIAL_SECONDARY_ADDR"],
        locality: "RESIDENTIAL_CITY",
        region: "RESIDENTIAL_STATE",
        postalCode: ["RESIDENTIAL_ZIP", "RESIDENTIAL_ZIP_PLUS4"],
        defaultRegion: "OH",
      },
      mailingAddress: {
        lines: ["MAILING_ADDRESS1", "MAILING_SECONDARY_ADDRESS"],
        locality: "MAILING_CITY",
        region: "MAILING_STATE",
        postalCode: ["MAILING_ZIP", "MAILING_ZIP_PLUS4"],
      },
      districts: {
        congressional: "CONGRESSIONAL_DISTRICT",
        stateSenate: "STATE_SENATE_DISTRICT",
        stateHouse: "STATE_REPRESENTATIVE_DISTRICT",
        municipal: "CITY",
        village: "VILLAGE",
        ward: "WARD",
        township: "TOWNSHIP",
        school: "CITY_SCHOOL_DISTRICT",
        localSchool: "LOCAL_SCHOOL_DISTRICT",
        exemptedVillageSchool: "EXEMPTED_VILL_SCHOOL_DISTRICT",
        judicial: "COURT_OF_APPEALS",
        countyCourt: "COUNTY_COURT_DISTRICT",
        municipalCourt: "MUNICIPAL_COURT_DISTRICT",
        stateBoardOfEducation: "STATE_BOARD_OF_EDUCATION",
        library: "LIBRARY",
        careerCenter: "CAREER_CENTER",
        educationServiceCenter: "EDU_SERVICE_CENTER_DISTRICT",
      },
    },
    electionColumns: {
      pattern: OH_ELECTION_COLUMN,
      parse: (match) => ({
        type: (match[1] ?? "").toLowerCase() as ElectionType,
        date: `${match[4]}-${match[2]}-${match[3]}`,
      }),
      // `X` means voted; in a primary the cell holds the party ballot (`D`, `R`, ...) instead.
      read: (value) => {
        const code = value.toUpperCase();
        if (code === "") return { voted: false, party: null };
        return { voted: true, party: code === "X" ? null : code };
      },
    },
  }),
};
