/**
 * The segment filter language: a typed, JSON-serializable description of who is in a segment, compiled to
 * SQL by {@link compileSegment}. See `docs/segments.md` for the guide.
 *
 * @module
 */
import { z } from "zod";
import { InvalidInputError } from "../spec/errors.js";
import { ChannelName } from "../spec/model/common.js";
import { ElectionType, VoterStatus, VotingMethod } from "../spec/model/voter.js";

// The schema keeps inputs exactly as given (no defaults, no transforms), so a saved segment reads back
// byte for byte what was saved. Defaults are applied by the compiler.

/** A calendar date `YYYY-MM-DD` that exists. */
const CalendarDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, "expected a date as YYYY-MM-DD")
  .refine((value) => {
    const [year, month, day] = value.split("-").map(Number) as [number, number, number];
    const date = new Date(Date.UTC(year, month - 1, day));
    return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
  }, "is not a day of the calendar");

/** A date (midnight UTC) or an ISO-8601 instant with an offset. */
const Instant = z.union([CalendarDate, z.iso.datetime({ offset: true })], {
  error: "expected a date (YYYY-MM-DD) or an ISO-8601 instant",
});

/** A non-empty list of codes as stored (precincts, counties, parties, ZIPs, ids). */
const Values = z
  .array(z.string().trim().min(1, "must not be empty"))
  .min(1, "list at least one value")
  .max(1000);

/** Line types a phone number can have. */
export const PhoneLineType = z.enum(["mobile", "landline", "voip", "unknown"]);
/** A phone line type. */
export type PhoneLineType = z.infer<typeof PhoneLineType>;

/**
 * Consent a contact point must have on its channel, from the consent ledger (the latest event wins):
 * `optedIn` — its latest event is an opt-in; `notOptedOut` — it has no event, or its latest is an opt-in.
 */
export const ConsentRequirement = z.enum(["optedIn", "notOptedOut"]);
/** A consent requirement. */
export type ConsentRequirement = z.infer<typeof ConsentRequirement>;

/** A date range on a timestamp column: `since` inclusive, `before` exclusive. */
const Window = {
  since: Instant.optional(),
  before: Instant.optional(),
};

/** District names are JSON keys of `voter.districts`: letters, digits and underscores. */
const DistrictName = z
  .string()
  .regex(/^[A-Za-z][A-Za-z0-9_]{0,63}$/, "expected a district name like stateHouse");

const AgeCondition = z
  .strictObject({
    min: z.number().int().min(0).max(150).optional(),
    max: z.number().int().min(0).max(150).optional(),
    asOf: CalendarDate.optional(),
  })
  .refine((age) => age.min !== undefined || age.max !== undefined, "give min, max or both")
  .refine((age) => age.min === undefined || age.max === undefined || age.min <= age.max, "min is above max");

const RegisteredSince = z.union(
  [
    CalendarDate,
    z.strictObject({ months: z.number().int().min(1).max(1200) }),
    z.strictObject({ lastElection: ElectionType }),
  ],
  { error: 'expected a date (YYYY-MM-DD), { months: n } or { lastElection: "general" }' },
);

const VotedCondition = z
  .strictObject({
    type: ElectionType,
    last: z.number().int().min(1).max(50),
    atMost: z.number().int().min(0).optional(),
    atLeast: z.number().int().min(0).optional(),
    asOf: CalendarDate.optional(),
  })
  .refine(
    (voted) => voted.atMost !== undefined || voted.atLeast !== undefined,
    "give atMost, atLeast or both",
  )
  .refine(
    (voted) => voted.atLeast === undefined || voted.atLeast <= voted.last,
    "atLeast is more than the number of elections",
  );

const VotedInCondition = z.strictObject({
  electionId: z.string().min(1).optional(),
  date: CalendarDate.optional(),
  type: ElectionType.optional(),
  since: CalendarDate.optional(),
  before: CalendarDate.optional(),
  party: Values.optional(),
  method: z.array(VotingMethod).min(1).optional(),
});

const RangeCondition = z
  .strictObject({ min: z.number().min(0).max(1).optional(), max: z.number().min(0).max(1).optional() })
  .refine((range) => range.min !== undefined || range.max !== undefined, "give min, max or both");

const PhoneCondition = z.strictObject({
  lineType: z.union([PhoneLineType, z.array(PhoneLineType).min(1)]).optional(),
  consent: ConsentRequirement.optional(),
  channel: z.enum(["sms", "voice"]).optional(),
});

const EmailCondition = z.strictObject({ consent: ConsentRequirement.optional() });

const TagsCondition = z
  .strictObject({ any: Values.optional(), all: Values.optional() })
  .refine((tags) => (tags.any === undefined) !== (tags.all === undefined), "give exactly one of any or all");

const LastContactedCondition = z
  .strictObject({
    after: Instant.optional(),
    before: Instant.optional(),
    channel: ChannelName.optional(),
    never: z.literal(true).optional(),
  })
  .refine(
    (contact) => !contact.never || (contact.after === undefined && contact.before === undefined),
    "never cannot be combined with after or before",
  );

/**
 * A segment filter. Every key is a condition; an object with several keys matches members that meet all of
 * them, and the empty object `{}` matches everyone. `all`, `any` and `not` combine filters.
 *
 * Voter conditions read the voter record; person conditions (tags, lists, email, events, petitions, last
 * contact) read the person the voter is linked to. An unlinked voter behaves like a person with nothing
 * recorded: it has no tags and was never contacted.
 *
 * @example
 * ```ts
 * const filter: SegmentFilter = {
 *   precinct: ["P1", "P2", "P3"],
 *   any: [{ registeredSince: "2025-01-01" }, { voted: { type: "general", last: 4, atMost: 1 } }],
 *   phone: { lineType: "mobile", consent: "notOptedOut" },
 * };
 * ```
 */
export interface SegmentFilter {
  /** Members matching every filter in the list (`[]` matches everyone). */
  all?: SegmentFilter[];
  /** Members matching at least one filter in the list (`[]` matches no one). */
  any?: SegmentFilter[];
  /** Members not matching the filter. */
  not?: SegmentFilter;

  /** County, as the voter file spells it (NC writes `WAKE`). */
  county?: string[];
  /** Precinct code. */
  precinct?: string[];
  /** ZIP5 of the residential address. */
  zip?: string[];
  /**
   * Districts by name: `{ stateHouse: ["36", "37"] }`. Several names must all match. Names are the keys of
   * the voter's `districts` (`congressional`, `stateSenate`, `stateHouse`, `county`, `municipal`, `ward`,
   * `school`, ... or any key an import wrote).
   */
  district?: Record<string, string[]>;
  /**
   * Registration status. Voters removed from the rolls are left out of every segment unless a `status`
   * condition anywhere in the filter names `removed`.
   */
  status?: VoterStatus[];
  /** Party code as the state gives it (`DEM`, `REP`, `UNA`, ...). */
  party?: string[];
  /**
   * Age in whole years on `asOf` (default: today, UTC). With a birth date the age is exact; with only a
   * birth year it is the age reached during the year of `asOf`.
   */
  age?: { min?: number; max?: number; asOf?: string };
  /**
   * Registered on or after a date: `"2025-01-01"`, `{ months: 6 }` (the last six months, counted from
   * today) or `{ lastElection: "general" }` (on or after the day of the most recent general election, so
   * they could not vote in it; no one matches when the organization has no such election). Voters without a
   * registration date never match.
   */
  registeredSince?: string | { months: number } | { lastElection: z.infer<typeof ElectionType> };
  /** Registered before a date (exclusive). Voters without a registration date never match. */
  registeredBefore?: string;
  /**
   * Voted in at most / at least k of the organization's last `last` elections of a type (before `asOf`, if
   * given): `{ type: "general", last: 4, atMost: 1 }`.
   */
  voted?: {
    type: z.infer<typeof ElectionType>;
    last: number;
    atMost?: number;
    atLeast?: number;
    asOf?: string;
  };
  /**
   * Voted in an election matching every given field: one election by id, or by `date` and/or `type`, or in a
   * date range (`since` inclusive, `before` exclusive); optionally with a party ballot or a method.
   * `{ votedIn: {} }` means "has ever voted".
   */
  votedIn?: {
    electionId?: string;
    date?: string;
    type?: z.infer<typeof ElectionType>;
    since?: string;
    before?: string;
    party?: string[];
    method?: z.infer<typeof VotingMethod>[];
  };
  /** Turnout propensity (0–1) between `min` and `max` inclusive. Unscored voters never match. */
  turnoutPropensity?: { min?: number; max?: number };
  /**
   * Has a usable phone: the voter file's phone or one of the linked person's numbers (not marked wrong or
   * disconnected) with the line type(s) given and the consent given on `channel` (default `sms`).
   */
  phone?: {
    lineType?: PhoneLineType | PhoneLineType[];
    consent?: ConsentRequirement;
    channel?: "sms" | "voice";
  };
  /** The linked person has a deliverable email address (not bouncing or invalid) with the consent given. */
  email?: { consent?: ConsentRequirement };
  /**
   * None of the member's contact points on the channel has a standing opt-out (members without any contact
   * point on the channel match).
   */
  notOptedOut?: "sms" | "email" | "voice";
  /** The linked person has any / all of these tags (by name). */
  tags?: { any?: string[]; all?: string[] };
  /** The linked person is on any of these lists (by id). */
  lists?: string[];
  /** The linked person attended an event (attendance status `attended`), optionally one of `eventIds` or in a window of the event's start. */
  attendedEvent?: { eventIds?: string[]; since?: string; before?: string };
  /** The linked person signed a petition, optionally one of `petitionIds` or in a window of signing time. */
  signedPetition?: { petitionIds?: string[]; since?: string; before?: string };
  /**
   * The last recorded interaction (optionally on one channel): `after` — on or after that instant;
   * `before` — contacted, but not since that instant; `{}` — contacted at least once; `{ never: true }` —
   * never contacted (true for unlinked voters).
   */
  lastContacted?: { after?: string; before?: string; channel?: z.infer<typeof ChannelName>; never?: true };
  /** `true`: the voter record is linked to a person; `false`: it is not. */
  linked?: boolean;
}

/** The condition keys of a filter, in the order the docs list them. */
export const SEGMENT_CONDITIONS = [
  "all",
  "any",
  "not",
  "county",
  "precinct",
  "zip",
  "district",
  "status",
  "party",
  "age",
  "registeredSince",
  "registeredBefore",
  "voted",
  "votedIn",
  "turnoutPropensity",
  "phone",
  "email",
  "notOptedOut",
  "tags",
  "lists",
  "attendedEvent",
  "signedPetition",
  "lastContacted",
  "linked",
] as const satisfies readonly (keyof SegmentFilter)[];

const FilterNode = z.strictObject(
  {
    get all() {
      return z.array(SegmentFilterSchema).max(100).optional();
    },
    get any() {
      return z.array(SegmentFilterSchema).max(100).optional();
    },
    get not() {
      return SegmentFilterSchema.optional();
    },
    county: Values.optional(),
    precinct: Values.optional(),
    zip: Values.optional(),
    district: z
      .record(DistrictName, Values)
      .refine((districts) => Object.keys(districts).length > 0, "name at least one district")
      .optional(),
    status: z.array(VoterStatus).min(1, "list at least one status").optional(),
    party: Values.optional(),
    age: AgeCondition.optional(),
    registeredSince: RegisteredSince.optional(),
    registeredBefore: CalendarDate.optional(),
    voted: VotedCondition.optional(),
    votedIn: VotedInCondition.optional(),
    turnoutPropensity: RangeCondition.optional(),
    phone: PhoneCondition.optional(),
    email: EmailCondition.optional(),
    notOptedOut: z.enum(["sms", "email", "voice"]).optional(),
    tags: TagsCondition.optional(),
    lists: Values.optional(),
    attendedEvent: z.strictObject({ eventIds: Values.optional(), ...Window }).optional(),
    signedPetition: z.strictObject({ petitionIds: Values.optional(), ...Window }).optional(),
    lastContacted: LastContactedCondition.optional(),
    linked: z.boolean().optional(),
  },
  { error: (issue) => (issue.code === "unrecognized_keys" ? "unknown condition" : undefined) },
);

/**
 * The zod schema of {@link SegmentFilter}. Unknown keys are errors. Prefer {@link parseSegmentFilter}, which
 * turns the first problem into an `InvalidInputError` naming its path.
 */
export const SegmentFilter: z.ZodType<SegmentFilter> = FilterNode as unknown as z.ZodType<SegmentFilter>;
const SegmentFilterSchema: z.ZodType<SegmentFilter> = z.lazy(() => SegmentFilter);

/**
 * Validates a filter and returns it unchanged.
 *
 * @param input - The filter, e.g. parsed from JSON.
 * @param field - The name of the filter in error messages (default `filter`).
 * @throws {@link InvalidInputError} naming the path of the first problem, e.g.
 *   `filter.all.1.phone.lineType` or `filter.any.0.precint` for an unknown condition.
 */
export function parseSegmentFilter(input: unknown, field = "filter"): SegmentFilter {
  const result = SegmentFilter.safeParse(input);
  if (result.success) return result.data;
  const issue = deepest(result.error.issues[0]!);
  const path = issue.path.map(String);
  let value: unknown = input;
  for (const key of issue.path) {
    value =
      value !== null && typeof value === "object" ? (value as Record<PropertyKey, unknown>)[key] : undefined;
  }
  if (issue.code === "unrecognized_keys") {
    // Name the unknown key itself, so `filter.any.0.precint` points at the typo.
    const key = issue.keys[0]!;
    const known =
      value !== null && typeof value === "object" && isFilterNode(issue.path) ? SEGMENT_CONDITIONS : null;
    throw new InvalidInputError({
      field: [field, ...path, key].join("."),
      value: (value as Record<string, unknown>)[key],
      reason: known
        ? `is not a segment condition (conditions: ${known.join(", ")})`
        : `is not an option here${issue.keys.length > 1 ? ` (unknown: ${issue.keys.join(", ")})` : ""}`,
    });
  }
  throw new InvalidInputError({ field: [field, ...path].join("."), value, reason: issue.message });
}

/** True when `path` leads to a filter node (the root, an item of all/any, or the value of not). */
function isFilterNode(path: readonly PropertyKey[]): boolean {
  for (let index = 0; index < path.length; ) {
    const key = path[index];
    if (key === "not") index += 1;
    else if ((key === "all" || key === "any") && typeof path[index + 1] === "number") index += 2;
    else return false;
  }
  return true;
}

/** Unions report "no branch matched"; when one branch got further, its issue says more. */
function deepest(issue: z.core.$ZodIssue): z.core.$ZodIssue {
  if (issue.code !== "invalid_union" || issue.errors.length === 0) return issue;
  // Every branch failed: prefer an issue inside an object branch over the union's own message.
  const nested = issue.errors
    .map((branch) => branch[0])
    .filter((inner): inner is z.core.$ZodIssue => inner !== undefined && inner.path.length > 0);
  if (nested.length === 1) {
    const inner = nested[0]!;
    return deepest({ ...inner, path: [...issue.path, ...inner.path] } as z.core.$ZodIssue);
  }
  return issue;
}

/** @internal True when a `status` condition anywhere in the filter names `removed`. */
export function mentionsRemoved(filter: SegmentFilter): boolean {
  if (filter.status?.includes("removed")) return true;
  if (filter.not && mentionsRemoved(filter.not)) return true;
  return [...(filter.all ?? []), ...(filter.any ?? [])].some(mentionsRemoved);
}
