import { z } from "zod";
import { MESSAGE_STATUSES, type MessageStatus } from "../contracts/common.js";
import { ChannelName, EntityBase, Id, Timestamp } from "./common.js";

/** Provider message statuses (Twilio's set, which other providers map onto). */
export const MessageStatusSchema = z.enum(MESSAGE_STATUSES as [MessageStatus, ...MessageStatus[]]);

/** Provider call statuses. */
export const CallStatusSchema = z.enum([
  "queued",
  "initiated",
  "ringing",
  "in-progress",
  "completed",
  "busy",
  "no-answer",
  "canceled",
  "failed",
]);

/** How a campaign treats consent: blasts need an opt-in; peer-to-peer texting is allowed unless opted out. */
export const ConsentPolicy = z.enum(["opt_in_required", "not_opted_out"]);

const ClockTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, "expected a local time as HH:MM (24-hour)");

/**
 * Quiet hours an organization or campaign adds on top of the law. They can only tighten: the engine
 * intersects them with the federal floor and the recipient's state rule (see `QUIET_HOURS_RULES`).
 */
export const QuietHoursPolicy = z
  .object({
    /** Earliest local time to send, `HH:MM`. */
    start: ClockTime.optional(),
    /** Local time sending stops, `HH:MM` (exclusive). */
    end: ClockTime.optional(),
    /** Never send on Sundays. */
    noSundays: z.boolean().optional(),
    /** Never send on US federal holidays. */
    noHolidays: z.boolean().optional(),
    /** Per-state tightening, by two-letter state code. */
    states: z
      .record(
        z.string().regex(/^[A-Z]{2}$/, "expected a two-letter state code"),
        z
          .object({
            start: ClockTime.optional(),
            end: ClockTime.optional(),
            noSundays: z.boolean().optional(),
            noHolidays: z.boolean().optional(),
            maxPerPersonPer24h: z.number().int().positive().optional(),
          })
          .strict(),
      )
      .optional(),
  })
  .strict();
/** Quiet hours an organization or campaign adds on top of the law. */
export type QuietHoursPolicy = z.infer<typeof QuietHoursPolicy>;

/** A campaign's compliance policy. The engine always applies the law's floor; a policy can only tighten it. */
export const CampaignPolicy = z
  .object({
    /** Blast sends require an opt-in (`opt_in_required`); P2P sends only require no opt-out. */
    consent: ConsentPolicy.default("not_opted_out"),
    /** At most this many messages per person (or number) in any 24 hours, across the organization. */
    frequencyCapPer24h: z.number().int().positive().nullable().default(null),
    /** Quiet hours beyond the law (null: the law alone). */
    quietHours: QuietHoursPolicy.nullable().default(null),
    /** Send once per phone number per campaign, even when several people share it. Default true. */
    householdDedupe: z.boolean().default(true),
    /** Skip numbers whose line type is known to be a landline. Default true. */
    excludeLandlines: z.boolean().default(true),
    /** Ask the transport for the line type of numbers whose type is unknown (costs a lookup each). */
    lookupLineTypes: z.boolean().default(false),
  })
  .strict();
/** A campaign's compliance policy. */
export type CampaignPolicy = z.infer<typeof CampaignPolicy>;

/** A canned response P2P texters can send with one action. Merge fields allowed. */
export const CannedResponse = z
  .object({
    /** Stable key, unique in the campaign. */
    key: z.string().min(1),
    /** Short title shown to texters. */
    title: z.string().min(1),
    /** The text (a template). */
    body: z.string().min(1),
  })
  .strict();
/** A canned response. */
export type CannedResponse = z.infer<typeof CannedResponse>;

/** What texters and the reply handler need beyond the first message. */
export const CampaignScript = z
  .object({
    /** Canned responses for P2P texters. */
    cannedResponses: z.array(CannedResponse).default([]),
    /**
     * The survey question the first message asks, if any: replies are matched to its responses and
     * recorded as survey answers.
     */
    surveyQuestionId: Id.nullable().default(null),
  })
  .strict();
/** A campaign's script. */
export type CampaignScript = z.infer<typeof CampaignScript>;

/** An outreach program on one channel: audience, script or template, schedule and policy. */
export const Campaign = EntityBase.extend({
  /** Name. */
  name: z.string().min(1),
  /** Channel. */
  channel: z.enum(["sms", "email", "voice"]),
  /**
   * How messages are sent: by the dispatcher (`blast`), by volunteers one at a time (`p2p`), or dialed
   * (`preview`, `power`, `predictive`).
   */
  mode: z.enum(["blast", "p2p", "preview", "power", "predictive"]).default("p2p"),
  /** Lifecycle. */
  status: z.enum(["draft", "scheduled", "running", "paused", "completed", "canceled"]).default("draft"),
  /** Who is reached: a saved segment or a static list. */
  audience: z
    .object({ segmentId: Id.nullable().default(null), listId: Id.nullable().default(null) })
    .default({
      segmentId: null,
      listId: null,
    }),
  /** Message template (merge fields as `{{givenName|friend}}`). */
  template: z
    .object({
      body: z.string().optional(),
      subject: z.string().optional(),
      html: z.string().optional(),
      text: z.string().optional(),
    })
    .default({}),
  /** When the campaign may send. */
  schedule: z
    .object({ startAt: Timestamp.nullable().default(null), endAt: Timestamp.nullable().default(null) })
    .default({ startAt: null, endAt: null }),
  /** Compliance policy. The engine always applies the law's floor; a policy can only tighten it. */
  policy: CampaignPolicy.default({
    consent: "not_opted_out",
    frequencyCapPer24h: null,
    quietHours: null,
    householdDedupe: true,
    excludeLandlines: true,
    lookupLineTypes: false,
  }),
  /** The sender (an E.164 number, short code or the transport's Messaging Service); null: the default. */
  sender: z.string().nullable().default(null),
  /** Canned responses and the survey question (P2P and replies). */
  script: CampaignScript.default({ cannedResponses: [], surveyQuestionId: null }),
  /** Why the campaign paused itself (`failure_rate`, `complaint_rate`), or null. */
  pausedReason: z.string().nullable().default(null),
  /** When the campaign was launched (its audience written to the outbox). */
  launchedAt: Timestamp.nullable().default(null),
});
/** A campaign. */
export type Campaign = z.infer<typeof Campaign>;

/** A message sent or received on any channel. */
export const Message = EntityBase.extend({
  /** Channel. */
  channel: z.enum(["sms", "email"]),
  /** Direction. */
  direction: z.enum(["outbound", "inbound"]),
  /** The campaign, for outbound campaign messages. */
  campaignId: Id.nullable().default(null),
  /** The conversation thread. */
  conversationId: Id.nullable().default(null),
  /** The person, when known. */
  personId: Id.nullable().default(null),
  /** Sender address (E.164 or email). */
  from: z.string(),
  /** Recipient address. */
  to: z.string(),
  /** Subject (email). */
  subject: z.string().nullable().default(null),
  /** Body. */
  body: z.string(),
  /** Status; never moves backwards. */
  status: MessageStatusSchema.default("queued"),
  /** The provider's id (Twilio `SM...`, SendGrid message id). */
  providerId: z.string().nullable().default(null),
  /** Idempotency key (campaign + contact point + step) for outbound messages. */
  idempotencyKey: z.string().nullable().default(null),
  /** Segments (SMS). */
  segments: z.number().int().nullable().default(null),
  /** Provider error code, when failed. */
  errorCode: z.string().nullable().default(null),
  /** Error message, when failed. */
  errorMessage: z.string().nullable().default(null),
  /** When it was handed to the provider. */
  sentAt: Timestamp.nullable().default(null),
});
/** A message. */
export type Message = z.infer<typeof Message>;

/** A thread, keyed by our sender and the other party's contact point. */
export const Conversation = EntityBase.extend({
  /** Channel. */
  channel: z.enum(["sms", "email"]),
  /** Our number or address. */
  ourAddress: z.string(),
  /** Their number or address. */
  theirAddress: z.string(),
  /** The person, when known. */
  personId: Id.nullable().default(null),
  /** The campaign that started it. */
  campaignId: Id.nullable().default(null),
  /** The volunteer (person id) who works the conversation. */
  assigneeId: Id.nullable().default(null),
  /** Open or closed. */
  status: z.enum(["open", "closed"]).default("open"),
  /** Tags put on the conversation by texters. */
  tags: z.array(z.string()).default([]),
  /** Last message time. */
  lastMessageAt: Timestamp.nullable().default(null),
});
/** A conversation. */
export type Conversation = z.infer<typeof Conversation>;

/** A call attempt. */
export const Call = EntityBase.extend({
  /** The campaign (phone bank). */
  campaignId: Id.nullable().default(null),
  /** The person called. */
  personId: Id.nullable().default(null),
  /** The volunteer (person id) on the call. */
  volunteerId: Id.nullable().default(null),
  /** Number dialed. */
  to: z.string(),
  /** Caller id. */
  from: z.string().nullable().default(null),
  /** Provider call id. */
  providerId: z.string().nullable().default(null),
  /** Provider status. */
  status: CallStatusSchema.default("queued"),
  /** Who answered, from machine detection. */
  answeredBy: z.string().nullable().default(null),
  /** Disposition (answered, no_answer, busy, voicemail, bad_number, wrong_number, refused, do_not_call, ...). */
  disposition: z.string().nullable().default(null),
  /** Attempt number for this contact (1-based). */
  attempt: z.number().int().positive().default(1),
  /** Talk time. */
  durationSeconds: z.number().int().nonnegative().nullable().default(null),
  /** When the call started. */
  startedAt: Timestamp.nullable().default(null),
  /** When it ended. */
  endedAt: Timestamp.nullable().default(null),
});
/** A call. */
export type Call = z.infer<typeof Call>;

/** A survey question asked in a script. */
export const SurveyQuestion = EntityBase.extend({
  /** The campaign whose script asks it. */
  campaignId: Id.nullable().default(null),
  /** The question as asked. */
  prompt: z.string().min(1),
  /** Answer kind. */
  kind: z.enum(["single_choice", "multiple_choice", "text", "scale"]).default("single_choice"),
  /** Allowed responses for choice questions. */
  responses: z.array(z.object({ key: z.string(), label: z.string() })).default([]),
});
/** A survey question. */
export type SurveyQuestion = z.infer<typeof SurveyQuestion>;

/** A person's answer to a survey question. */
export const SurveyResponse = EntityBase.extend({
  /** The question. */
  questionId: Id,
  /** The respondent. */
  personId: Id,
  /** The answer: a response key or free text. */
  value: z.string(),
  /** The interaction it was collected in. */
  interactionId: Id.nullable().default(null),
  /** When it was answered. */
  respondedAt: Timestamp,
});
/** A survey response. */
export type SurveyResponse = z.infer<typeof SurveyResponse>;

/** One entry of a person's unified contact history. */
export const Interaction = EntityBase.extend({
  /** The person contacted. */
  personId: Id,
  /** Channel. */
  channel: ChannelName,
  /** Outcome, e.g. "delivered", "replied", "answered", "not_home", "attended". */
  outcome: z.string().min(1),
  /** A VAN-style result code (Not Home, Refused, Moved, Wrong Number...) when no conversation happened. */
  resultCode: z.string().nullable().default(null),
  /** The volunteer (person id), if any. */
  volunteerId: Id.nullable().default(null),
  /** The campaign, if any. */
  campaignId: Id.nullable().default(null),
  /** Notes. */
  notes: z.string().nullable().default(null),
  /** When it happened. */
  occurredAt: Timestamp,
});
/** An interaction. */
export type Interaction = z.infer<typeof Interaction>;
