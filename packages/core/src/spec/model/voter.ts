import { z } from "zod";
import { EntityBase, Id, IsoDate, Timestamp } from "./common.js";
import { PostalAddress } from "./person.js";

/** Registration status, mapped from each state's codes (NC A/D/I/R/S, ...). */
export const VoterStatus = z.enum(["active", "inactive", "removed", "denied", "temporary", "unknown"]);
/** Registration status. */
export type VoterStatus = z.infer<typeof VoterStatus>;

/** Districts a voter's residence falls in. Keys are stable names; values are the state's codes. */
export const Districts = z
  .object({
    congressional: z.string(),
    stateSenate: z.string(),
    stateHouse: z.string(),
    county: z.string(),
    countyCommission: z.string(),
    municipal: z.string(),
    ward: z.string(),
    school: z.string(),
    judicial: z.string(),
    superiorCourt: z.string(),
    township: z.string(),
    fire: z.string(),
    vtd: z.string(),
  })
  .partial()
  .catchall(z.string());
/** Districts a voter's residence falls in. */
export type Districts = z.infer<typeof Districts>;

/** A registration record from a state voter file, linked to a {@link Person} by matching. */
export const Voter = EntityBase.extend({
  /** Two-letter state. */
  state: z.string().length(2),
  /** The state's statewide voter id (NC `ncid`, OH `SOS_VOTERID`, WA `StateVoterID`). Unique per state. */
  stateVoterId: z.string().min(1),
  /** The county's registration number, where the state has one (NC `voter_reg_num`). */
  countyVoterId: z.string().nullable(),
  /** County name. */
  county: z.string().nullable(),
  /** Registration status. */
  status: VoterStatus,
  /** The state's reason for the status, as given. */
  statusReason: z.string().nullable(),
  /** Registration date. */
  registrationDate: IsoDate.nullable(),
  /** Party code as the state gives it (DEM, REP, UNA, LIB, GRE, ...). */
  party: z.string().nullable(),
  /** Birth year. */
  birthYear: z.number().int().nullable(),
  /** Birth date, where the state publishes it. */
  birthdate: IsoDate.nullable(),
  /** Gender code as given. */
  gender: z.string().nullable(),
  /** Race code as given. */
  race: z.string().nullable(),
  /** Ethnicity code as given. */
  ethnicity: z.string().nullable(),
  /** First name. */
  givenName: z.string().nullable(),
  /** Last name. */
  familyName: z.string().nullable(),
  /** Middle name. */
  additionalName: z.string().nullable(),
  /** Suffix. */
  honorificSuffix: z.string().nullable(),
  /** Residential address. */
  residentialAddress: PostalAddress.nullable(),
  /** Mailing address when different. */
  mailingAddress: PostalAddress.nullable(),
  /** Phone from the file, E.164, when published. */
  phone: z.string().nullable(),
  /** Precinct code. */
  precinct: z.string().nullable(),
  /** Districts. */
  districts: Districts,
  /** The person this voter is linked to. */
  personId: Id.nullable(),
  /** When a full-state refresh no longer contained the voter. Voters are never deleted. */
  removedAt: Timestamp.nullable(),
  /**
   * Estimated probability (0–1) that the voter turns out in the next general election, from their vote
   * history; `null` until computed (see `computeTurnoutPropensity` in `@precinct/voterfile`).
   */
  turnoutPropensity: z.number().min(0).max(1).nullable().default(null),
});
/** A voter registration record. */
export type Voter = z.infer<typeof Voter>;

/** Election types vote history is normalized into. */
export const ElectionType = z.enum(["general", "primary", "municipal", "special", "runoff", "other"]);
/** An election type. */
export type ElectionType = z.infer<typeof ElectionType>;

/** An election vote history refers to. */
export const Election = EntityBase.extend({
  /** Election day. */
  date: IsoDate,
  /** Election type. */
  type: ElectionType,
  /** The state's label, e.g. "11/03/2020 GENERAL". */
  name: z.string().nullable(),
  /** Where it was held: a state code, or a county/municipality for local elections. */
  jurisdiction: z.string().nullable(),
});
/** An election. */
export type Election = z.infer<typeof Election>;

/** How a ballot was cast. */
export const VotingMethod = z.enum([
  "in_person",
  "early",
  "absentee",
  "mail",
  "provisional",
  "other",
  "unknown",
]);
/** How a ballot was cast. */
export type VotingMethod = z.infer<typeof VotingMethod>;

/** One voter's participation in one election. */
export const VoteRecord = z.object({
  /** The organization. */
  organizationId: Id,
  /** The voter. */
  voterId: Id,
  /** The election. */
  electionId: Id,
  /** How the ballot was cast. */
  method: VotingMethod,
  /** The party ballot in a primary. */
  party: z.string().nullable(),
});
/** One voter's participation in one election. */
export type VoteRecord = z.infer<typeof VoteRecord>;
