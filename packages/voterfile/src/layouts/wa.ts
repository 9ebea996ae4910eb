/**
 * Washington Secretary of State Voter Registration Database extract (VRDB): pipe-delimited.
 *
 * @module
 */

import { registrationMapper } from "./mapping.js";
import type { RegistrationLayout } from "./types.js";

/** Washington VRDB registrations. `Birthdate` until 2023, `Birthyear` from 2024: either maps. */
export const waVrdbLayout: RegistrationLayout = {
  id: "wa-vrdb",
  state: "WA",
  description: "Washington VRDB registration extract (pipe-delimited)",
  delimiter: "|",
  kind: "registration",
  requiredColumns: ["StateVoterID", "FName", "LName", "RegCity", "StatusCode", "Registrationdate"],
  mapRow: registrationMapper({
    state: "WA",
    statusCodes: { ACTIVE: "active", A: "active", INACTIVE: "inactive", I: "inactive" },
    columns: {
      stateVoterId: "StateVoterID",
      county: "CountyCode",
      status: "StatusCode",
      registrationDate: "Registrationdate",
      birthdate: "Birthdate",
      birthYear: "Birthyear",
      gender: "Gender",
      givenName: "FName",
      familyName: "LName",
      additionalName: "MName",
      suffix: "NameSuffix",
      precinct: "PrecinctCode",
      residentialAddress: {
        lines: [
          [
            "RegStNum",
            "RegStFrac",
            "RegStPreDirection",
            "RegStName",
            "RegStType",
            "RegStPostDirection",
            "RegUnitType",
            "RegUnitNum",
          ],
        ],
        locality: "RegCity",
        region: "RegState",
        postalCode: "RegZipCode",
        defaultRegion: "WA",
      },
      mailingAddress: {
        lines: ["Mail1", "Mail2", "Mail3", "Mail4"],
        locality: "MailCity",
        region: "MailState",
        postalCode: "MailZip",
      },
      districts: {
        congressional: "CongressionalDistrict",
        // One legislative district elects both a senator and representatives.
        stateSenate: "LegislativeDistrict",
        stateHouse: "LegislativeDistrict",
        county: "CountyCode",
      },
    },
  }),
};
