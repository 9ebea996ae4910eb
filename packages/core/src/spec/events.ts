import type { MessageStatus } from "./contracts/common.js";
import type { ConsentEvent } from "./model/consent.js";
import type { Organization } from "./model/organization.js";
import type { Person } from "./model/person.js";

/**
 * Every event the SDK emits, by name, with its payload. Engines add events here as they ship; a listener's
 * payload type follows from the name.
 */
export interface PrecinctEventMap {
  /** A person was created by `people.upsert()`. */
  "person.created": { person: Person };
  /** A matched person was changed by `people.upsert()`. */
  "person.updated": { person: Person; changes: { field: string; before: unknown; after: unknown }[] };
  /** An opt-in was appended to the consent ledger. */
  "consent.granted": { event: ConsentEvent };
  /** An opt-out was appended to the consent ledger. */
  "consent.revoked": { event: ConsentEvent };
  /** A chapter organization was created. */
  "organization.created": { organization: Organization };
  /** The provider took an outbound text. */
  "message.sent": {
    outboxId: string;
    messageId: string;
    campaignId: string | null;
    to: string;
    providerId: string;
  };
  /** The compliance gate refused a text; `reason` says why (`opted_out`, `no_consent`, `landline`, …). */
  "message.blocked": { outboxId: string; campaignId: string | null; to: string; reason: string };
  /** The provider refused a text for good, or its retries ran out. */
  "message.failed": {
    outboxId: string;
    campaignId: string | null;
    to: string;
    reason: string;
    errorCode: string | null;
  };
  /** A status callback moved a message forward (`delivered`, `undelivered`, …). */
  "message.status": {
    messageId: string;
    providerId: string;
    campaignId: string | null;
    from: MessageStatus;
    to: MessageStatus;
    errorCode: string | null;
  };
  /** A text arrived, was threaded and classified. */
  "message.received": {
    messageId: string;
    conversationId: string;
    personId: string | null;
    campaignId: string | null;
    from: string;
    body: string;
    intent: "opt_out" | "opt_in" | "help" | "reply";
  };
  /** A campaign paused itself (`failure_rate`, `complaint_rate`) or was paused by someone. */
  "campaign.paused": { campaignId: string; reason: string; detail: string | null };
  /** A campaign crossed a warning threshold (`complaint_rate`: spam complaints past 0.1% of emails sent). */
  "campaign.warning": { campaignId: string; reason: string; detail: string };
  /** A campaign has nothing left to send. */
  "campaign.completed": { campaignId: string };
  /**
   * The provider took an outbound phone-bank call: a volunteer's own leg (`volunteer`, when they join by
   * phone or browser) or a call to a contact (`contact`).
   */
  "call.placed": {
    callId: string;
    campaignId: string;
    sessionId: string | null;
    leg: "volunteer" | "contact";
    to: string;
    providerId: string;
  };
  /**
   * A phone-bank call's outcome was recorded — once per call, after it was written. `result` is the
   * volunteer's result code (`contacted` when they recorded survey answers instead) or the dialer's own
   * (`no_answer`, `busy`, `machine`, `voicemail_left`, `abandoned`, `failed`, `canceled`);
   * `contactState` is where the contact went (`ready` for a retry or callback, `done`, `exhausted`), and
   * `optedOut` says the result appended a voice opt-out (do-not-call, refused).
   */
  "call.completed": {
    callId: string;
    campaignId: string | null;
    personId: string | null;
    volunteerId: string | null;
    to: string;
    result: string;
    contactState: string;
    optedOut: boolean;
    interactionId: string | null;
  };
}

/** The name of an event. */
export type PrecinctEventName = keyof PrecinctEventMap;
