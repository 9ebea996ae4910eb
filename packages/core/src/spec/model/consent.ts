import { z } from "zod";
import { Id, Timestamp } from "./common.js";

/** Channels consent is recorded for. Each contact point has its own ledger per channel. */
export const ConsentChannel = z.enum(["sms", "email", "voice", "mail"]);
/** A channel consent is recorded for. */
export type ConsentChannel = z.infer<typeof ConsentChannel>;

/** Where a consent event came from. */
export const ConsentSource = z.enum([
  "keyword",
  "form",
  "import",
  "unsubscribe_link",
  "provider_report",
  "manual",
  "api",
  "call_disposition",
]);
/** Where a consent event came from. */
export type ConsentSource = z.infer<typeof ConsentSource>;

/**
 * One entry of the append-only consent ledger. Nothing ever updates or deletes an entry (the database
 * refuses it); re-subscribing after an opt-out is a new `opt_in` event.
 */
export const ConsentEvent = z.object({
  /** Row id. */
  id: Id,
  /** The organization the event belongs to. Opt-outs apply across all its campaigns. */
  organizationId: Id,
  /** The person, when the contact point is known to belong to one. */
  personId: Id.nullable(),
  /** The channel the event is about. */
  channel: ConsentChannel,
  /** The contact point: an E.164 number for sms/voice, a lower-case address for email. */
  contactPoint: z.string().min(1),
  /** What happened. */
  kind: z.enum(["opt_in", "opt_out"]),
  /** Where it came from. */
  source: ConsentSource,
  /** The raw text that caused it (the reply "stop texting me", the form's wording), when there is one. */
  rawText: z.string().nullable(),
  /** The campaign that caused it, if any. */
  campaignId: Id.nullable(),
  /** When it happened (as reported by the source). */
  occurredAt: Timestamp,
  /** When Precinct recorded it. */
  recordedAt: Timestamp,
  /** Monotonic sequence within the database: breaks ties between events at the same instant. */
  sequence: z.number().int(),
});
/** An entry of the consent ledger. */
export type ConsentEvent = z.infer<typeof ConsentEvent>;

/** What `consent.record()` accepts. */
export const ConsentEventInput = z
  .object({
    personId: Id.nullish(),
    channel: ConsentChannel,
    contactPoint: z.string().min(1),
    kind: z.enum(["opt_in", "opt_out"]),
    source: ConsentSource,
    rawText: z.string().nullish(),
    campaignId: Id.nullish(),
    occurredAt: z.union([z.string(), z.date()]).optional(),
  })
  .strict();
/** What `consent.record()` accepts. */
export type ConsentEventInput = z.input<typeof ConsentEventInput>;

/** The current consent of a contact point on a channel, derived from its latest ledger event. */
export interface ConsentStatus {
  /** The channel. */
  channel: ConsentChannel;
  /** The normalized contact point. */
  contactPoint: string;
  /** `unknown` when the ledger has no event for the contact point. */
  status: "opted_in" | "opted_out" | "unknown";
  /** The event the status derives from. */
  lastEvent: ConsentEvent | null;
}
