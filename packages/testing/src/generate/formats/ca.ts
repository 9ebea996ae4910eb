/**
 * California's statewide extracts: `vrd` registrations and `vph` participation history, tab-delimited,
 * unquoted, UTF-8, dates `MM/DD/YYYY`, the street split into parts.
 *
 * @module
 */

import type { VoterStatus } from "@precinct/core";
import type { SyntheticElectionType } from "../elections.js";
import { usDate } from "../elections.js";
import { upper } from "../names.js";
import type { SyntheticVotingMethod } from "../states.js";
import { dashedPhone, type FormatRow, type VoterFileFormat } from "./format.js";

/** The `vrd` columns, in file order. */
export const CA_VRD_FILE_COLUMNS: readonly string[] = [
  "CountyCode",
  "RegistrantID",
  "ExtractDate",
  "LastName",
  "FirstName",
  "MiddleName",
  "Suffix",
  "AddressNumber",
  "HouseFractionNumber",
  "AddressNumberSuffix",
  "StreetDirPrefix",
  "StreetName",
  "StreetType",
  "StreetDirSuffix",
  "UnitType",
  "UnitNumber",
  "City",
  "State",
  "Zip",
  "Phone",
  "DOB",
  "Gender",
  "PartyCode",
  "Status",
  "RegistrationDate",
  "Precinct",
  "PrecinctNumber",
  "RegistrationMethodCode",
  "MailingAddressLine1",
  "MailingAddressLine2",
  "MailingAddressLine3",
  "MailingCity",
  "MailingState",
  "MailingZip5",
  "MailingCountry",
];

/** The `vph` columns, in file order. */
export const CA_VPH_FILE_COLUMNS: readonly string[] = [
  "CountyCode",
  "RegistrantID",
  "ExtractDate",
  "ElectionDate",
  "ElectionName",
  "ElectionType",
  "ElectionTypeDesc",
  "Method",
  "PartyCode",
];

/** California's status codes. */
export const CA_STATUS_CODES: Readonly<Record<VoterStatus, string>> = {
  active: "A",
  inactive: "I",
  removed: "C",
  denied: "C",
  temporary: "A",
  unknown: "P",
};

/** `vph` method codes: V vote by mail, P polling place, E early, A absentee. */
export const CA_METHOD_CODES: Readonly<Record<SyntheticVotingMethod, string>> = {
  mail: "V",
  in_person: "P",
  early: "E",
  absentee: "A",
  provisional: "PROVISIONAL",
};

/** `vph` election type codes. */
export const CA_ELECTION_TYPE_CODES: Readonly<Record<SyntheticElectionType, string>> = {
  general: "G",
  primary: "P",
  municipal: "M",
  special: "S",
};

/** @internal The `vrd` format. */
export const caVrdFormat: VoterFileFormat = {
  layout: "ca-vrd",
  state: "CA",
  kind: "registration",
  delimiter: "\t",
  quoting: "none",
  lineEnding: "\n",
  encoding: "utf-8",
  roles: {
    id: "RegistrantID",
    date: "RegistrationDate",
    dateStyle: "us",
    givenName: "FirstName",
    familyName: "LastName",
    middleName: "MiddleName",
  },
  columns: () => [...CA_VRD_FILE_COLUMNS],
  rows(voter, population, emit) {
    const home = voter.residence;
    const mail = voter.mailing;
    // Every column, in file order: the writer takes the values as they come.
    const row: FormatRow = {
      CountyCode: voter.countyCode,
      RegistrantID: voter.stateVoterId,
      ExtractDate: usDate(population.asOf),
      LastName: upper(voter.familyName),
      FirstName: upper(voter.givenName),
      MiddleName: upper(voter.middleName),
      Suffix: voter.suffix,
      AddressNumber: home.houseNumber,
      HouseFractionNumber: "",
      AddressNumberSuffix: "",
      StreetDirPrefix: home.preDirection,
      StreetName: home.streetName,
      StreetType: home.streetSuffix,
      StreetDirSuffix: "",
      UnitType: home.unitType,
      UnitNumber: home.unitNumber,
      City: home.city,
      State: "CA",
      Zip: home.zip,
      Phone: dashedPhone(voter.phone),
      DOB: usDate(voter.birthdate),
      Gender: voter.gender,
      PartyCode: voter.party ?? "",
      Status: CA_STATUS_CODES[voter.status],
      RegistrationDate: usDate(voter.registrationDate),
      Precinct: voter.precinctCode,
      PrecinctNumber: voter.precinctCode.slice(-4),
      RegistrationMethodCode: voter.driversLicense ? "DMV" : "PAPER",
      MailingAddressLine1: mail?.line1 ?? "",
      MailingAddressLine2: "",
      MailingAddressLine3: "",
      MailingCity: mail?.city ?? "",
      MailingState: mail?.state ?? "",
      MailingZip5: mail?.zip ?? "",
      MailingCountry: mail === null ? "" : "USA",
    };
    emit(row);
  },
};

/** @internal The `vph` format. */
export const caVphFormat: VoterFileFormat = {
  layout: "ca-vph",
  state: "CA",
  kind: "history",
  delimiter: "\t",
  quoting: "none",
  lineEnding: "\n",
  encoding: "utf-8",
  roles: { id: "RegistrantID", date: "ElectionDate", dateStyle: "us" },
  columns: () => [...CA_VPH_FILE_COLUMNS],
  rows(voter, population, emit) {
    for (const vote of population.participation(voter.index)) {
      const election = population.elections[vote.electionIndex];
      if (election === undefined) continue;
      emit({
        CountyCode: voter.countyCode,
        RegistrantID: voter.stateVoterId,
        ExtractDate: usDate(population.asOf),
        ElectionDate: usDate(election.date),
        ElectionName: election.name,
        ElectionType: CA_ELECTION_TYPE_CODES[election.type],
        ElectionTypeDesc: election.type.toUpperCase(),
        Method: CA_METHOD_CODES[vote.method],
        PartyCode: vote.party ?? "",
      });
    }
  },
};
