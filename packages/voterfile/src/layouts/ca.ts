/**
 * California county/state extracts: `vrd` registrations and `vph` vote history, tab-delimited. Column
 * names follow the Secretary of State's statewide extract; counties' own exports vary, which is why
 * mapping is by name and columns a file lacks are simply left empty.
 *
 * @module
 */

import { historyMapper, registrationMapper } from "./mapping.js";
import type { HistoryLayout, RegistrationLayout } from "./types.js";

/** California `vrd` registrations. */
export const caVrdLayout: RegistrationLayout = {
  id: "ca-vrd",
  state: "CA",
  description: "California voter registration extract, vrd (tab-delimited)",
  delimiter: "\t",
  kind: "registration",
  requiredColumns: ["CountyCode", "RegistrantID", "LastName", "FirstName", "Status", "RegistrationDate"],
  mapRow: registrationMapper({
    state: "CA",
    // Codes as in the SOS extract; spelled-out forms are accepted as some counties export them.
    statusCodes: {
      A: "active",
      ACTIVE: "active",
      I: "inactive",
      INACTIVE: "inactive",
      P: "unknown",
      PENDING: "unknown",
      C: "removed",
      CANCELLED: "removed",
    },
    columns: {
      stateVoterId: "RegistrantID",
      county: "CountyCode",
      status: "Status",
      registrationDate: "RegistrationDate",
      party: "PartyCode",
      birthdate: "DOB",
      gender: "Gender",
      givenName: "FirstName",
      familyName: "LastName",
      additionalName: "MiddleName",
      suffix: "Suffix",
      phone: "Phone",
      precinct: "Precinct",
      residentialAddress: {
        lines: [
          [
            "AddressNumber",
            "HouseFractionNumber",
            "AddressNumberSuffix",
            "StreetDirPrefix",
            "StreetName",
            "StreetType",
            "StreetDirSuffix",
            "UnitType",
            "UnitNumber",
          ],
        ],
        locality: "City",
        region: "State",
        postalCode: "Zip",
        defaultRegion: "CA",
      },
      mailingAddress: {
        lines: ["MailingAddressLine1", "MailingAddressLine2", "MailingAddressLine3"],
        locality: "MailingCity",
        region: "MailingState",
        postalCode: "MailingZip5",
      },
    },
  }),
};

/** California `vph` vote history. */
export const caVphLayout: HistoryLayout = {
  id: "ca-vph",
  state: "CA",
  description: "California voter participation history extract, vph (tab-delimited)",
  delimiter: "\t",
  kind: "history",
  requiredColumns: ["RegistrantID", "ElectionDate", "ElectionType", "Method"],
  mapRow: historyMapper({
    state: "CA",
    methods: {
      V: "mail",
      M: "mail",
      VBM: "mail",
      "VOTE BY MAIL": "mail",
      MAIL: "mail",
      P: "in_person",
      POLLS: "in_person",
      "POLLING PLACE": "in_person",
      "IN PERSON": "in_person",
      E: "early",
      EARLY: "early",
      A: "absentee",
      ABSENTEE: "absentee",
      PROVISIONAL: "provisional",
    },
    electionTypeCodes: {
      G: "general",
      P: "primary",
      S: "special",
      M: "municipal",
      R: "runoff",
      L: "municipal",
    },
    columns: {
      stateVoterId: "RegistrantID",
      electionDate: "ElectionDate",
      electionName: "ElectionName",
      electionType: "ElectionType",
      method: "Method",
      party: "PartyCode",
      county: "CountyCode",
    },
  }),
};
