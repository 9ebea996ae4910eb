import type { AliasableExpression, ExpressionBuilder } from "kysely";
import type { VoterStatus } from "../spec/model/voter.js";
import type { CompiledFilter } from "./segment-compiler.js";

/**
 * One member of a segment, as `segments.members()` streams it. Voter fields come from the voter record (in
 * the `people` universe, from the person's registration, and `null` when they have none); names and birth
 * year fall back to the person's.
 */
export interface SegmentMember {
  /** The voter record's id (`null` for a person without a registration, in the `people` universe). */
  voterId: string | null;
  /** The linked person's id, or `null` for a voter not linked to a person. */
  personId: string | null;
  /** Two-letter state of the registration. */
  state: string | null;
  /** The state's voter id (NC `ncid`, ...). */
  stateVoterId: string | null;
  /** First name: the voter file's, else the person's. */
  givenName: string | null;
  /** Last name: the voter file's, else the person's. */
  familyName: string | null;
  /** County as the voter file spells it. */
  county: string | null;
  /** Precinct code. */
  precinct: string | null;
  /** ZIP5 of the residential address: the voter file's, else the person's primary address. */
  zip: string | null;
  /**
   * Two-letter state where the member lives: the registration's, else the person's primary address.
   * Quiet hours follow it.
   */
  region: string | null;
  /** Party code. */
  party: string | null;
  /** Registration status. */
  status: VoterStatus | null;
  /** Registration date, `YYYY-MM-DD`. */
  registrationDate: string | null;
  /** Birth year: the voter file's, else the person's. */
  birthYear: number | null;
  /**
   * A phone number, E.164: the voter file's, else the person's primary (or first) number that is not marked
   * wrong or disconnected. Informational: consent is checked when a message is sent, per contact point.
   */
  phone: string | null;
  /** The person's primary (or first) deliverable email address. */
  email: string | null;
  /** Turnout propensity 0–1, or `null` when not computed. */
  turnoutPropensity: number | null;
}

/** The fields of a {@link SegmentMember} that can be selected with `members(…, { fields })`. */
export type SegmentMemberField = keyof SegmentMember;

/** Every member field, in the order they are documented. */
export const SEGMENT_MEMBER_FIELDS = [
  "voterId",
  "personId",
  "state",
  "stateVoterId",
  "givenName",
  "familyName",
  "county",
  "precinct",
  "zip",
  "region",
  "party",
  "status",
  "registrationDate",
  "birthYear",
  "phone",
  "email",
  "turnoutPropensity",
] as const satisfies readonly SegmentMemberField[];

type AnyDb = Record<string, Record<string, unknown>>;
type Eb = ExpressionBuilder<AnyDb, "v" | "p">;

/** @internal The expression each member field is selected with. */
export function memberField(
  compiled: CompiledFilter,
  organizationId: string,
  field: SegmentMemberField,
): (eb: Eb) => AliasableExpression<unknown> {
  const people = compiled.universe === "people";
  // Voter first, person second (only the people universe joins the person row).
  const voterThenPerson = (voter: string, person: string) => (eb: Eb) =>
    people ? eb.fn.coalesce(eb.ref(voter), eb.ref(person)) : eb.ref(voter);
  // The person's primary (or first) address that is not marked undeliverable.
  const personAddress = (eb: Eb, column: "pa.zip5" | "pa.region") =>
    eb
      .selectFrom("personAddress as pa")
      .select(column)
      .whereRef("pa.personId", "=", compiled.person)
      .where("pa.organizationId", "=", organizationId)
      .where("pa.status", "<>", "undeliverable")
      .orderBy("pa.primary", "desc")
      .orderBy("pa.position")
      .limit(1);
  switch (field) {
    case "voterId":
      return (eb) => eb.ref("v.id");
    case "personId":
      return (eb) => eb.ref(compiled.person);
    case "state":
      return (eb) => eb.ref("v.state");
    case "stateVoterId":
      return (eb) => eb.ref("v.stateVoterId");
    case "givenName":
      return voterThenPerson("v.givenName", "p.givenName");
    case "familyName":
      return voterThenPerson("v.familyName", "p.familyName");
    case "county":
      return (eb) => eb.ref("v.county");
    case "precinct":
      return (eb) => eb.ref("v.precinct");
    case "zip":
      return (eb) => eb.fn.coalesce(eb.ref("v.zip5"), personAddress(eb, "pa.zip5"));
    case "region":
      return (eb) => eb.fn.coalesce(eb.ref("v.state"), personAddress(eb, "pa.region"));
    case "party":
      return (eb) => eb.ref("v.party");
    case "status":
      return (eb) => eb.ref("v.status");
    case "registrationDate":
      return (eb) => eb.ref("v.registrationDate");
    case "birthYear":
      return voterThenPerson("v.birthYear", "p.birthYear");
    case "turnoutPropensity":
      return (eb) => eb.ref("v.turnoutPropensity");
    case "phone":
      return (eb) =>
        eb.fn.coalesce(
          eb.ref("v.phone"),
          eb
            .selectFrom("personPhone as pp")
            .select("pp.number")
            .whereRef("pp.personId", "=", compiled.person)
            .where("pp.organizationId", "=", organizationId)
            .where("pp.status", "not in", ["wrong_number", "disconnected"])
            .orderBy("pp.primary", "desc")
            .orderBy("pp.position")
            .limit(1),
        );
    case "email":
      return (eb) =>
        eb
          .selectFrom("personEmail as pe")
          .select("pe.address")
          .whereRef("pe.personId", "=", compiled.person)
          .where("pe.organizationId", "=", organizationId)
          .where("pe.status", "not in", ["bouncing", "invalid"])
          .orderBy("pe.primary", "desc")
          .orderBy("pe.position")
          .limit(1);
  }
}

/** @internal Converts a selected row to a member (numbers from PostgreSQL arrive as numbers already). */
export function toMember(
  row: Record<string, unknown>,
  fields: readonly SegmentMemberField[],
): Partial<SegmentMember> {
  const member: Record<string, unknown> = {};
  for (const field of fields) {
    const value = row[field] ?? null;
    member[field] =
      value !== null && (field === "birthYear" || field === "turnoutPropensity") ? Number(value) : value;
  }
  return member as Partial<SegmentMember>;
}
