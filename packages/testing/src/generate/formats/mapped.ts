/**
 * A plain CSV with friendly headers, as a county party or a vendor exports it from a spreadsheet: quoted
 * only where needed, LF, UTF-8, names in display case. No built-in layout recognizes it; the importer needs
 * a column mapping, which {@link mappedVoterFileMapping} provides as a `@precinct/voterfile` `ColumnMapping`
 * config (for `mappedLayout()`).
 *
 * @module
 */

import type { VoterStatus } from "@precinct/core";
import { usDate } from "../elections.js";
import type { FormatRow, VoterFileFormat } from "./format.js";

/** The headers of a `mapped` file, in order. */
export const MAPPED_VOTER_FILE_HEADERS: readonly string[] = [
  "Voter ID",
  "First",
  "Middle",
  "Last",
  "Suffix",
  "DOB",
  "Street",
  "City",
  "State",
  "Zip",
  "Phone",
  "Party",
  "Precinct",
  "County",
  "Status",
  "Registered",
];

/** The `Status` words of a `mapped` file. */
export const MAPPED_STATUS_WORDS: Readonly<Record<VoterStatus, string>> = {
  active: "Active",
  inactive: "Inactive",
  removed: "Removed",
  denied: "Denied",
  temporary: "Temporary",
  unknown: "Unknown",
};

/** Where each field of a `mapped` file is: the `columns` of a `@precinct/voterfile` `ColumnMapping`. */
export interface MappedVoterFileColumns {
  /** `Voter ID`. */
  stateVoterId: string;
  /** `First`. */
  givenName: string;
  /** `Middle`. */
  additionalName: string;
  /** `Last`. */
  familyName: string;
  /** `Suffix`. */
  suffix: string;
  /** `DOB`. */
  birthdate: string;
  /** `Phone`. */
  phone: string;
  /** `Party`. */
  party: string;
  /** `Precinct`. */
  precinct: string;
  /** `County`. */
  county: string;
  /** `Status`. */
  status: string;
  /** `Registered`. */
  registrationDate: string;
  /** `Street`, `City`, `State`, `Zip`; the state by default. */
  residentialAddress: {
    lines: readonly string[];
    locality: string;
    region: string;
    postalCode: string;
    defaultRegion: string;
  };
}

/**
 * The column mapping of a `mapped` file: a registration `ColumnMapping` config of `@precinct/voterfile`
 * (JSON-serializable), also usable as a `RegistrationSpec` for `registrationMapper()`.
 */
export interface MappedVoterFileMapping {
  /** Always `registration`. */
  kind: "registration";
  /** Two-letter state. */
  state: string;
  /** Always `,`. */
  delimiter: ",";
  /** Field → header. */
  columns: MappedVoterFileColumns;
  /** `Status` word (upper case) → status. */
  statusCodes: Readonly<Record<string, VoterStatus>>;
}

/**
 * The column mapping of a `mapped` file, for `mappedLayout()` of `@precinct/voterfile` (or, as a spec,
 * `registrationMapper()`):
 *
 * ```ts
 * const layout = mappedLayout(mappedVoterFileMapping("NC"));
 * detectLayout(file.header, [...LAYOUTS, layout]).id; // "mapped"
 * ```
 *
 * @param state - The population's state.
 * @returns `{ kind: "registration", state, delimiter: ",", columns: { stateVoterId: "Voter ID",
 *   givenName: "First", ... }, statusCodes: { ACTIVE: "active", ... } }`.
 */
export function mappedVoterFileMapping(state: string): MappedVoterFileMapping {
  return {
    kind: "registration",
    state,
    delimiter: ",",
    columns: {
      stateVoterId: "Voter ID",
      givenName: "First",
      additionalName: "Middle",
      familyName: "Last",
      suffix: "Suffix",
      birthdate: "DOB",
      phone: "Phone",
      party: "Party",
      precinct: "Precinct",
      county: "County",
      status: "Status",
      registrationDate: "Registered",
      residentialAddress: {
        lines: ["Street"],
        locality: "City",
        region: "State",
        postalCode: "Zip",
        defaultRegion: state,
      },
    },
    statusCodes: Object.fromEntries(
      Object.entries(MAPPED_STATUS_WORDS).map(([status, word]) => [
        word.toUpperCase(),
        status as VoterStatus,
      ]),
    ),
  };
}

/** `123 N MAIN ST APT 4B` → `123 N Main St Apt 4B`: title case, keeping directionals and unit numbers. */
export function displayCase(text: string): string {
  return text.replace(/[A-Z][A-Z']*/gu, (word) =>
    /^(?:N|S|E|W|NE|NW|SE|SW|PO)$/u.test(word) ? word : word[0] + word.slice(1).toLowerCase(),
  );
}

/** `(919) 555-0142`. */
function formattedPhone(digits: string | null): string {
  return digits === null ? "" : `(${digits.slice(0, 3)}) ${digits.slice(3, 6)}-${digits.slice(6)}`;
}

/** @internal The `mapped` format. */
export const mappedFormat: VoterFileFormat = {
  layout: "mapped",
  state: undefined,
  kind: "registration",
  delimiter: ",",
  quoting: "minimal",
  lineEnding: "\n",
  encoding: "utf-8",
  roles: {
    id: "Voter ID",
    date: "Registered",
    dateStyle: "us",
    givenName: "First",
    familyName: "Last",
    middleName: "Middle",
  },
  columns: () => [...MAPPED_VOTER_FILE_HEADERS],
  rows(voter, _population, emit) {
    const home = voter.residence;
    const row: FormatRow = {
      "Voter ID": voter.stateVoterId,
      First: voter.givenName,
      Middle: voter.middleName,
      Last: voter.familyName,
      Suffix: voter.suffix === "JR" ? "Jr" : voter.suffix === "SR" ? "Sr" : voter.suffix,
      DOB: usDate(voter.birthdate),
      Street: displayCase(home.line1),
      City: displayCase(home.city),
      State: voter.state,
      Zip: home.zip,
      Phone: formattedPhone(voter.phone),
      Party: voter.party ?? "",
      Precinct: voter.precinctCode,
      County: displayCase(voter.countyName),
      Status: MAPPED_STATUS_WORDS[voter.status],
      Registered: usDate(voter.registrationDate),
    };
    emit(row);
  },
};
