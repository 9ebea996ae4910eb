/**
 * Washington's VRDB extract: pipe-delimited, unquoted, UTF-8, the street split into parts, dates
 * `YYYY-MM-DD`. From 2024 the extract carries `Birthyear` instead of `Birthdate`; the generator follows the
 * population's `asOf` year.
 *
 * @module
 */

import { upper } from "../names.js";
import type { FormatRow, VoterFileFormat } from "./format.js";

const birthYearOnly = (asOf: string): boolean => asOf >= "2024";

/** The VRDB columns, in file order, with `Birthyear` (2024+) or `Birthdate` (before). */
export function waFileColumns(asOf: string): string[] {
  return [
    "StateVoterID",
    "FName",
    "MName",
    "LName",
    "NameSuffix",
    birthYearOnly(asOf) ? "Birthyear" : "Birthdate",
    "Gender",
    "RegStNum",
    "RegStFrac",
    "RegStName",
    "RegStType",
    "RegUnitType",
    "RegStPreDirection",
    "RegStPostDirection",
    "RegUnitNum",
    "RegCity",
    "RegState",
    "RegZipCode",
    "CountyCode",
    "PrecinctCode",
    "PrecinctPart",
    "LegislativeDistrict",
    "CongressionalDistrict",
    "Mail1",
    "Mail2",
    "Mail3",
    "Mail4",
    "MailCity",
    "MailZip",
    "MailState",
    "MailCountry",
    "Registrationdate",
    "LastVoted",
    "StatusCode",
  ];
}

/** @internal The VRDB format. */
export const waVrdbFormat: VoterFileFormat = {
  layout: "wa-vrdb",
  state: "WA",
  kind: "registration",
  delimiter: "|",
  quoting: "none",
  lineEnding: "\n",
  encoding: "utf-8",
  roles: {
    id: "StateVoterID",
    date: "Registrationdate",
    dateStyle: "iso",
    givenName: "FName",
    familyName: "LName",
    middleName: "MName",
  },
  columns: (population) => waFileColumns(population.asOf),
  rows(voter, population, emit) {
    const home = voter.residence;
    const mail = voter.mailing;
    const votes = population.participation(voter.index);
    const lastVote = votes.at(-1);
    const lastVoted =
      lastVote === undefined ? "" : (population.elections[lastVote.electionIndex]?.date ?? "");
    const birthColumn = birthYearOnly(population.asOf) ? "Birthyear" : "Birthdate";
    // Every column, in file order: the writer takes the values as they come.
    const row: FormatRow = {
      StateVoterID: voter.stateVoterId,
      FName: upper(voter.givenName),
      MName: upper(voter.middleName),
      LName: upper(voter.familyName),
      NameSuffix: voter.suffix,
      [birthColumn]: birthColumn === "Birthyear" ? String(voter.birthYear) : voter.birthdate,
      Gender: voter.gender,
      RegStNum: home.houseNumber,
      RegStFrac: "",
      RegStName: home.streetName,
      RegStType: home.streetSuffix,
      RegUnitType: home.unitType,
      RegStPreDirection: home.preDirection,
      RegStPostDirection: "",
      RegUnitNum: home.unitNumber,
      RegCity: home.city,
      RegState: "WA",
      RegZipCode: home.zip,
      CountyCode: voter.countyCode,
      PrecinctCode: voter.precinctCode,
      PrecinctPart: `${voter.precinctCode}.0`,
      LegislativeDistrict: voter.districts.stateSenate,
      CongressionalDistrict: voter.districts.congressional,
      Mail1: mail?.line1 ?? "",
      Mail2: "",
      Mail3: "",
      Mail4: "",
      MailCity: mail?.city ?? "",
      MailZip: mail?.zip ?? "",
      MailState: mail?.state ?? "",
      MailCountry: mail === null ? "" : "USA",
      Registrationdate: voter.registrationDate,
      LastVoted: lastVoted,
      StatusCode: voter.status === "active" ? "Active" : "Inactive",
    };
    emit(row);
  },
};
