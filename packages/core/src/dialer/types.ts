/**
 * The public shapes of the phone-bank dialer: what `precinct.phonebanks` accepts and returns.
 *
 * @module
 */
import type { CallStatus } from "../spec/contracts/voice-transport.js";
import type { Campaign, QuietHoursPolicy, SurveyQuestion } from "../spec/model/outreach.js";
import type { ResultCode, VolunteerResultCode } from "./result-codes.js";
import type { PhoneBankSettings, PhoneBankSettingsInput } from "./settings.js";

/** The dialing modes of a phone bank. */
export type PhoneBankMode = "preview" | "power" | "predictive";

/** Options of the phone-bank service (`createPrecinct({ phonebanks })`). */
export interface PhoneBankOptions {
  /**
   * The public base URL the voice provider calls back (`https://organize.example.org`): answer URLs and
   * status callbacks are built on it. Needed to place calls; can also be set later with
   * `phonebanks.configureWebhooks()`.
   */
  readonly publicUrl?: string;
  /** Path prefix of the webhooks, as given to the webhook router. Default `/webhooks`. */
  readonly basePath?: string;
  /** The caller id of phone banks that set none (`callerId` at create), E.164. */
  readonly callerId?: string;
  /**
   * Receives errors of work the engine does on its own after a webhook (dialing the next contact for a
   * power-mode volunteer, predictive pacing). Default: `console.error`. The webhook itself still succeeds.
   */
  readonly onError?: (error: unknown) => void;
}

/** What `phonebanks.create()` accepts. */
export interface PhoneBankInput {
  /** The phone bank's name. */
  readonly name: string;
  /** `preview` (the volunteer reads the contact, then dials), `power` (one line per free volunteer) or `predictive`. */
  readonly mode: PhoneBankMode;
  /** Who is called: a saved segment (voters) or a static list (people). */
  readonly audience: { readonly segmentId?: string | null; readonly listId?: string | null };
  /**
   * The consent the calls need, stated explicitly: `not_opted_out` (anyone not on the do-not-call list)
   * or `opt_in_required` (only numbers with a voice opt-in). The do-not-call list always applies.
   */
  readonly policy: {
    readonly consent: "opt_in_required" | "not_opted_out";
    /** Quiet hours beyond the law (they can only tighten it). */
    readonly quietHours?: QuietHoursPolicy | null;
  };
  /** The number calls come from, E.164 (default: the service's `callerId`). */
  readonly callerId?: string | null;
  /** The script volunteers read, with merge fields (`{{givenName|there}}`, `{{texterName}}` is the volunteer). */
  readonly script?: string;
  /** Survey questions the script asks, in order (they are tied to this campaign). */
  readonly surveyQuestionIds?: readonly string[];
  /** When calls may be placed. */
  readonly schedule?: { readonly startAt?: string | null; readonly endAt?: string | null };
  /** Dialer settings (retry limit, ring time, voicemail and abandonment messages, predictive pacing). */
  readonly settings?: PhoneBankSettingsInput;
  /** Predictive dialing abandons some calls; it must be asked for explicitly. */
  readonly allowPredictive?: boolean;
}

/** A phone bank: its voice campaign, dialer settings and survey questions. */
export interface PhoneBank {
  /** The voice campaign (`channel: "voice"`, mode `preview` / `power` / `predictive`). */
  readonly campaign: Campaign;
  /** Dialer settings. */
  readonly settings: PhoneBankSettings;
  /** The survey questions of the script, in order. */
  readonly questions: readonly SurveyQuestion[];
}

/** Why the call list or the gate before a dial refused a contact. */
export type ContactBlockReason =
  /** The number is on the organization's do-not-call list (a voice opt-out). */
  | "do_not_call"
  /** The phone bank requires a voice opt-in and there is none. */
  | "no_consent"
  /** The number is marked wrong or disconnected. */
  | "unreachable_number";

/** What `phonebanks.launch()` wrote to the call list. */
export interface CallListResult {
  /** Audience members read. */
  readonly audience: number;
  /** Contacts ready to call. */
  readonly queued: number;
  /** Contacts refused, by reason. */
  readonly blocked: Readonly<Partial<Record<ContactBlockReason, number>>>;
  /** Members without a phone number. */
  readonly noPhone: number;
  /** Members whose number another member of the audience already has (one contact per number). */
  readonly duplicatePhone: number;
}

/** Where a contact is on the call list. */
export type ContactState = "ready" | "claimed" | "dialing" | "done" | "exhausted" | "blocked" | "canceled";

/** A contact on a phone bank's call list. */
export interface PhoneBankContact {
  /** Contact id. */
  readonly id: string;
  /** The phone bank (campaign). */
  readonly campaignId: string;
  /** The person, when known. */
  readonly personId: string | null;
  /** The voter record, when the audience is a segment. */
  readonly voterId: string | null;
  /** The number, E.164. */
  readonly phone: string;
  /** First name. */
  readonly givenName: string | null;
  /** Last name. */
  readonly familyName: string | null;
  /** County of registration (script merge field). */
  readonly county: string | null;
  /** Precinct code (script merge field). */
  readonly precinct: string | null;
  /** ZIP code (script merge field). */
  readonly zip: string | null;
  /** Two-letter state used for quiet hours, when known. */
  readonly region: string | null;
  /** The IANA zone quiet hours are read in. */
  readonly timeZone: string | null;
  /** Where it is. */
  readonly state: ContactState;
  /** Why it is blocked or waiting (`do_not_call`, `quiet_hours`, ...). */
  readonly reason: string | null;
  /** Its final (or latest) result: a result code or `contacted`. */
  readonly result: string | null;
  /** Calls placed so far. */
  readonly attempts: number;
  /** When it may be called next. */
  readonly nextAttemptAt: string | null;
}

/** How a volunteer joins a session. */
export type JoinVia =
  | {
      /** The volunteer is called on their phone. */
      readonly via: "phone";
      /** Their number (any format; normalized to E.164). */
      readonly phone: string;
    }
  | {
      /** The volunteer takes calls in the browser (Twilio Voice SDK and the like). */
      readonly via: "browser";
      /** The client identity their access token was issued for. */
      readonly identity: string;
      /** How the transport addresses a browser client. Default `client:<identity>` (Twilio's form). */
      readonly address?: string;
    };

/** Where a volunteer's session is. */
export type SessionState =
  | "connecting"
  | "ready"
  | "previewing"
  | "dialing"
  | "talking"
  | "wrap_up"
  | "paused"
  | "ended";

/** A volunteer's call session. */
export interface CallSession {
  /** Session id. */
  readonly id: string;
  /** The phone bank. */
  readonly campaignId: string;
  /** The volunteer (person id). */
  readonly volunteerId: string;
  /** How they joined. */
  readonly via: "phone" | "browser";
  /** Their number or client address. */
  readonly endpoint: string;
  /** The conference room contacts are dialed into (one per session). */
  readonly conferenceName: string;
  /**
   * `connecting` (their phone is ringing), `ready` (free), `previewing` (preview mode: reading a contact),
   * `dialing`, `talking`, `wrap_up` (the call ended; a result is due), `paused` (on a break: nothing is
   * dialed for them until `next()`), `ended`.
   */
  readonly state: SessionState;
  /** The contact they are on, if any. */
  readonly contactId: string | null;
  /** The contact call they are on (or last had), if any. */
  readonly callId: string | null;
  /** When they joined. */
  readonly joinedAt: string;
  /** When they left. */
  readonly leftAt: string | null;
}

/** A contact handed to a volunteer, with what the calling screen shows. */
export interface NextContact {
  /** The session. */
  readonly sessionId: string;
  /** The contact. */
  readonly contact: PhoneBankContact;
  /** The script with merge fields filled for this contact and volunteer. */
  readonly script: string;
  /** The survey questions to ask. */
  readonly questions: readonly SurveyQuestion[];
  /** Result codes the volunteer may record instead of survey responses. */
  readonly resultCodes: readonly VolunteerResultCode[];
  /** The call placed (power mode, or preview after `dial()`), or null while previewing. */
  readonly callId: string | null;
}

/** What `next()` and `dial()` report. */
export type DialResult =
  | {
      /** A contact was handed to the volunteer (and, except in preview, dialed). */
      readonly status: "contact";
      /** The contact and script. */
      readonly next: NextContact;
    }
  | {
      /** Nothing to call now: every remaining contact waits (quiet hours, retry delay) or the list is done. */
      readonly status: "empty";
      /** When the earliest waiting contact may be called, if any. */
      readonly nextAttemptAt: string | null;
    };

/** One survey answer. */
export interface SurveyAnswerInput {
  /** The question (one of the phone bank's). */
  readonly questionId: string;
  /** A response key for choice questions (several, comma-separated, for multiple choice), or free text. */
  readonly value: string;
}

/** The outcome of a call as the volunteer records it: a result code, or survey responses and tags — never both. */
export type CallOutcomeInput =
  | {
      /** What happened instead of a conversation. */
      readonly resultCode: VolunteerResultCode;
      /** When to call back (required with `callback_requested`), ISO 8601. */
      readonly callbackAt?: string;
      /** Notes. */
      readonly notes?: string;
      /** The call, when not the session's current one. */
      readonly callId?: string;
      /** Not allowed together with a result code. */
      readonly responses?: undefined;
      /** Not allowed together with a result code. */
      readonly tags?: undefined;
    }
  | {
      /** The answers given (may be empty when the person talked but answered nothing). */
      readonly responses: readonly SurveyAnswerInput[];
      /** Tags put on the person (activist codes). */
      readonly tags?: readonly string[];
      /** Notes. */
      readonly notes?: string;
      /** The call, when not the session's current one. */
      readonly callId?: string;
      /** Not allowed together with survey responses. */
      readonly resultCode?: undefined;
      /** Only with `callback_requested`. */
      readonly callbackAt?: undefined;
    };

/** What recording an outcome did. */
export interface RecordResult {
  /** The call. */
  readonly callId: string;
  /** The interaction written. */
  readonly interactionId: string | null;
  /** `contacted` or the result code. */
  readonly outcome: string;
  /** Where the contact is now. */
  readonly contactState: ContactState;
  /** When the contact will be called again, if it will. */
  readonly nextAttemptAt: string | null;
  /** A voice opt-out was appended (refused, do not call). */
  readonly optedOut: boolean;
  /** In power mode, the next contact dialed for the volunteer, if any. */
  readonly next: DialResult | null;
}

/** What applying a call-status callback did. */
export interface CallStatusResult {
  /** Whether the call is known. */
  readonly known: boolean;
  /** Whether the status moved the call forward (callbacks arrive out of order and are retried). */
  readonly applied: boolean;
  /** The call's status after the callback. */
  readonly status: CallStatus | null;
  /** The result the dialer recorded when the call ended without a volunteer, if it did. */
  readonly result: ResultCode | null;
}

/** A phone bank's numbers. */
export interface PhoneBankReport {
  /** The phone bank. */
  readonly campaign: Campaign;
  /** Contacts by state. */
  readonly contacts: Readonly<Record<string, number>>;
  /** Blocked contacts by reason. */
  readonly blocked: Readonly<Record<string, number>>;
  /** Final and latest results of contacts (`contacted`, `wrong_number`, ...). */
  readonly results: Readonly<Record<string, number>>;
  /** Contact calls placed. */
  readonly calls: number;
  /** Contact calls by disposition. */
  readonly dispositions: Readonly<Record<string, number>>;
  /** Abandonment over the last 30 days. */
  readonly abandonment: { readonly answered: number; readonly abandoned: number; readonly rate: number };
  /** Sessions by state. */
  readonly sessions: Readonly<Record<string, number>>;
  /** Survey responses recorded. */
  readonly surveyResponses: number;
  /** Voice opt-outs this phone bank recorded. */
  readonly optOuts: number;
}

/** One call of a phone bank, as exported. */
export interface CallResultRow {
  /** The call. */
  readonly callId: string;
  /** Attempt number for the contact. */
  readonly attempt: number;
  /** The number dialed. */
  readonly phone: string;
  /** The person. */
  readonly personId: string | null;
  /** First name. */
  readonly givenName: string | null;
  /** Last name. */
  readonly familyName: string | null;
  /** The volunteer who took it. */
  readonly volunteerId: string | null;
  /** When it was placed. */
  readonly startedAt: string | null;
  /** When a person or machine answered. */
  readonly answeredAt: string | null;
  /** When it ended. */
  readonly endedAt: string | null;
  /** The provider's last status. */
  readonly status: string;
  /** Who answered (machine detection). */
  readonly answeredBy: string | null;
  /** `contacted` or a result code. */
  readonly disposition: string | null;
  /** Whether it was abandoned. */
  readonly abandoned: boolean;
  /** Talk time. */
  readonly durationSeconds: number | null;
  /** Survey answers given on this call, as `questionId=value` joined by `; `. */
  readonly responses: string;
  /** Notes. */
  readonly notes: string | null;
}
