import { z } from "zod";
import { CustomFields, EntityBase, Id, Identifier, Timestamp } from "./common.js";
import { PostalAddress } from "./person.js";

/** People who live at one address. Members keep their own records: a household never merges people. */
export const Household = EntityBase.extend({
  /** Display name, e.g. "The Lopez household". */
  name: z.string().nullable().default(null),
  /** The shared address. */
  address: PostalAddress.nullable().default(null),
});
/** A household. */
export type Household = z.infer<typeof Household>;

/** A tag that can be put on people. Names are unique within an organization. */
export const Tag = EntityBase.extend({
  /** The tag's name, e.g. "housing-justice". */
  name: z.string().min(1),
  /** What the tag means. */
  description: z.string().nullable().default(null),
});
/** A tag. */
export type Tag = z.infer<typeof Tag>;

/** A static list of people (a sign-in sheet, a hand-picked group). */
export const List = EntityBase.extend({
  /** The list's name. */
  name: z.string().min(1),
  /** What the list is. */
  description: z.string().nullable().default(null),
});
/** A static list. */
export type List = z.infer<typeof List>;

/**
 * A saved, typed filter over people and voters, compiled to SQL when counted or streamed. The filter
 * language is defined with the segment compiler; it is stored as JSON.
 */
export const Segment = EntityBase.extend({
  /** The segment's name, e.g. "Infrequent voters in precincts 12, 14, 15". */
  name: z.string().min(1),
  /** What the segment is for. */
  description: z.string().nullable().default(null),
  /** The JSON filter. The empty object means everyone. */
  filter: z.record(z.string(), z.unknown()).default({}),
});
/** A saved segment. */
export type Segment = z.infer<typeof Segment>;

/** A petition. */
export const Petition = EntityBase.extend({
  /** Title. */
  title: z.string().min(1),
  /** Description shown to signers. */
  description: z.string().nullable().default(null),
  /** Whom the petition is addressed to. */
  target: z.string().nullable().default(null),
  /** External identifiers. */
  identifiers: z.array(Identifier).default([]),
});
/** A petition. */
export type Petition = z.infer<typeof Petition>;

/** A signature on a petition. One per person and petition. */
export const Signature = EntityBase.extend({
  /** The petition. */
  petitionId: Id,
  /** The signer. */
  personId: Id,
  /** The signer's comment. */
  comment: z.string().nullable().default(null),
  /** When it was signed. */
  signedAt: Timestamp,
  /** External identifiers. */
  identifiers: z.array(Identifier).default([]),
});
/** A signature. */
export type Signature = z.infer<typeof Signature>;

/** An event (meeting, canvass launch, rally, training). */
export const Event = EntityBase.extend({
  /** Title. */
  title: z.string().min(1),
  /** Description. */
  description: z.string().nullable().default(null),
  /** Start. */
  startDate: Timestamp,
  /** End. */
  endDate: Timestamp.nullable().default(null),
  /** Where, if in person. */
  location: PostalAddress.nullable().default(null),
  /** Capacity, if limited. */
  capacity: z.number().int().positive().nullable().default(null),
  /** Lifecycle. */
  status: z.enum(["draft", "confirmed", "canceled", "completed"]).default("confirmed"),
  /** External identifiers. */
  identifiers: z.array(Identifier).default([]),
});
/** An event. */
export type Event = z.infer<typeof Event>;

/** A person's attendance at an event: RSVP, attended, or no-show. One per person and event. */
export const Attendance = EntityBase.extend({
  /** The event. */
  eventId: Id,
  /** The attendee. */
  personId: Id,
  /** Status. */
  status: z.enum(["rsvp", "attended", "no_show", "canceled"]).default("rsvp"),
  /** External identifiers. */
  identifiers: z.array(Identifier).default([]),
});
/** An attendance. */
export type Attendance = z.infer<typeof Attendance>;

/** A donation. Amounts are integers in the currency's minor unit (cents). */
export const Donation = EntityBase.extend({
  /** The donor, when known. */
  personId: Id.nullable().default(null),
  /** Amount in minor units (cents). */
  amount: z.number().int().nonnegative(),
  /** ISO-4217 currency. */
  currency: z.string().length(3).default("USD"),
  /** When it was received. */
  receivedAt: Timestamp,
  /** Where it came from (ActBlue, cash at an event, ...). */
  source: z.string().nullable().default(null),
  /** External identifiers. */
  identifiers: z.array(Identifier).default([]),
});
/** A donation. */
export type Donation = z.infer<typeof Donation>;

/** Stages of the engagement ladder, from first contact to organizer. */
export const LadderStage = z.enum(["supporter", "volunteer", "regular", "leader", "organizer"]);
/** A stage of the engagement ladder. */
export type LadderStage = z.infer<typeof LadderStage>;

/** A person's volunteer role: ladder stage, team, turf and skills. One per person. */
export const VolunteerRole = EntityBase.extend({
  /** The volunteer. */
  personId: Id,
  /** Engagement ladder stage. */
  ladderStage: LadderStage.default("supporter"),
  /** Team, e.g. "data", "phone bank". */
  team: z.string().nullable().default(null),
  /** Turf: the precinct(s) a precinct captain is responsible for. */
  turf: z.array(z.string()).default([]),
  /** Skills, e.g. "spanish", "driving". */
  skills: z.array(z.string()).default([]),
  /** Organization-defined fields. */
  customFields: CustomFields.default({}),
});
/** A volunteer role. */
export type VolunteerRole = z.infer<typeof VolunteerRole>;
