/**
 * Ohio's statewide voter file (SWVF): comma-separated, every field quoted, UTF-8, dates `YYYY-MM-DD`, and
 * one column per election (`GENERAL-11/05/2024`) holding `X` where the voter voted, or the party ballot
 * (`D`, `R`) in a primary.
 *
 * @module
 */

import type { VoterStatus } from "@precinct/core";
import { upper } from "../names.js";
import type { FormatRow, VoterFileFormat } from "./format.js";

/** The SWVF's fixed columns, in file order; the election columns follow, oldest first. */
export const OH_FILE_COLUMNS: readonly string[] = [
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
  "RESIDENTIAL_COUNTRY",
  "RESIDENTIAL_POSTALCODE",
  "MAILING_ADDRESS1",
  "MAILING_SECONDARY_ADDRESS",
  "MAILING_CITY",
  "MAILING_STATE",
  "MAILING_ZIP",
  "MAILING_ZIP_PLUS4",
  "MAILING_COUNTRY",
  "MAILING_POSTAL_CODE",
  "CAREER_CENTER",
  "CITY",
  "CITY_SCHOOL_DISTRICT",
  "COUNTY_COURT_DISTRICT",
  "CONGRESSIONAL_DISTRICT",
  "COURT_OF_APPEALS",
  "EDU_SERVICE_CENTER_DISTRICT",
  "EXEMPTED_VILL_SCHOOL_DISTRICT",
  "LIBRARY",
  "LOCAL_SCHOOL_DISTRICT",
  "MUNICIPAL_COURT_DISTRICT",
  "PRECINCT_NAME",
  "PRECINCT_CODE",
  "STATE_BOARD_OF_EDUCATION",
  "STATE_REPRESENTATIVE_DISTRICT",
  "STATE_SENATE_DISTRICT",
  "TOWNSHIP",
  "VILLAGE",
  "WARD",
];

/** Ohio's status words. `CONFIRMATION` is Ohio's inactive: a confirmation notice went unanswered. */
export const OH_STATUS_CODES: Readonly<Record<VoterStatus, string>> = {
  active: "ACTIVE",
  inactive: "CONFIRMATION",
  removed: "CANCELLED",
  denied: "CANCELLED",
  temporary: "ACTIVE",
  unknown: "ACTIVE",
};

/** @internal The SWVF format. */
export const ohSwvfFormat: VoterFileFormat = {
  layout: "oh-swvf",
  state: "OH",
  kind: "registration",
  delimiter: ",",
  quoting: "all",
  lineEnding: "\n",
  encoding: "utf-8",
  roles: {
    id: "SOS_VOTERID",
    date: "REGISTRATION_DATE",
    dateStyle: "iso",
    givenName: "FIRST_NAME",
    familyName: "LAST_NAME",
    middleName: "MIDDLE_NAME",
  },
  columns: (population) => [...OH_FILE_COLUMNS, ...population.elections.map((election) => election.name)],
  rows(voter, population, emit) {
    const d = voter.districts;
    const home = voter.residence;
    const mail = voter.mailing;
    // Every column, in file order: the writer takes the values as they come.
    const row: FormatRow = {
      SOS_VOTERID: voter.stateVoterId,
      COUNTY_NUMBER: voter.countyCode,
      COUNTY_ID: voter.countyVoterId,
      LAST_NAME: upper(voter.familyName),
      FIRST_NAME: upper(voter.givenName),
      MIDDLE_NAME: upper(voter.middleName),
      SUFFIX: voter.suffix,
      DATE_OF_BIRTH: voter.birthdate,
      REGISTRATION_DATE: voter.registrationDate,
      VOTER_STATUS: OH_STATUS_CODES[voter.status],
      PARTY_AFFILIATION: voter.party ?? "",
      RESIDENTIAL_ADDRESS1: home.street,
      RESIDENTIAL_SECONDARY_ADDR: home.unit,
      RESIDENTIAL_CITY: home.city,
      RESIDENTIAL_STATE: "OH",
      RESIDENTIAL_ZIP: home.zip,
      RESIDENTIAL_ZIP_PLUS4: home.zip4,
      RESIDENTIAL_COUNTRY: "",
      RESIDENTIAL_POSTALCODE: "",
      MAILING_ADDRESS1: mail?.line1 ?? "",
      MAILING_SECONDARY_ADDRESS: "",
      MAILING_CITY: mail?.city ?? "",
      MAILING_STATE: mail?.state ?? "",
      MAILING_ZIP: mail?.zip ?? "",
      MAILING_ZIP_PLUS4: "",
      MAILING_COUNTRY: "",
      MAILING_POSTAL_CODE: "",
      CAREER_CENTER: "",
      CITY: d.municipalityName,
      CITY_SCHOOL_DISTRICT: d.schoolName,
      COUNTY_COURT_DISTRICT: "",
      CONGRESSIONAL_DISTRICT: d.congressional,
      COURT_OF_APPEALS: d.judicial,
      EDU_SERVICE_CENTER_DISTRICT: "",
      EXEMPTED_VILL_SCHOOL_DISTRICT: "",
      LIBRARY: "",
      LOCAL_SCHOOL_DISTRICT: "",
      MUNICIPAL_COURT_DISTRICT: "",
      PRECINCT_NAME: voter.precinctName,
      PRECINCT_CODE: voter.precinctCode,
      STATE_BOARD_OF_EDUCATION: "",
      STATE_REPRESENTATIVE_DISTRICT: d.stateHouse,
      STATE_SENATE_DISTRICT: d.stateSenate,
      TOWNSHIP: d.municipality === "" ? d.townshipName : "",
      VILLAGE: "",
      WARD: d.ward,
    };
    for (const election of population.elections) row[election.name] = "";
    for (const vote of population.participation(voter.index)) {
      const election = population.elections[vote.electionIndex];
      if (election !== undefined) row[election.name] = vote.party ?? "X";
    }
    emit(row);
  },
};
