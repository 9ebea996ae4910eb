/**
 * The `VoiceTransport` contract: how the dialer places calls and tells the provider what to do on answer.
 *
 * @module
 */

import type { Awaitable, E164PhoneNumber, OperationOptions, WebhookRequest } from "./common.js";

/** A call's status, in Twilio's vocabulary. `completed`, `busy`, `no-answer`, `canceled`, `failed` are final. */
export type CallStatus =
  | "queued"
  | "initiated"
  | "ringing"
  | "in-progress"
  | "completed"
  | "busy"
  | "no-answer"
  | "canceled"
  | "failed";

/** Every {@link CallStatus}, in lifecycle order. */
export const CALL_STATUSES: readonly CallStatus[] = [
  "queued",
  "initiated",
  "ringing",
  "in-progress",
  "completed",
  "busy",
  "no-answer",
  "canceled",
  "failed",
];

/** Who answered, as answering-machine detection reports it. */
export type AnsweredBy =
  | "human"
  | "machine_start"
  | "machine_end_beep"
  | "machine_end_silence"
  | "machine_end_other"
  | "fax"
  | "unknown";

/**
 * Answering-machine detection mode for a call: `enable` reports as soon as it knows; `detect_message_end`
 * waits for the greeting to end so a voicemail can be dropped after the beep.
 */
export type MachineDetectionMode = "enable" | "detect_message_end";

/** A call to place. */
export interface OutboundCall {
  /** The number to call, E.164. */
  readonly to: E164PhoneNumber;
  /** The caller id, E.164. Must be a number the account owns or has verified. */
  readonly from: E164PhoneNumber;
  /** The public URL the provider fetches answer instructions from when the call connects. */
  readonly answerUrl: string;
  /** The public URL the provider posts call-status callbacks to. */
  readonly statusCallbackUrl?: string;
  /** Seconds to let it ring before giving up (`no-answer`). The FCC expects at least 15. */
  readonly timeoutSeconds?: number;
  /** Answering-machine detection, when the transport has the `machineDetection` capability. */
  readonly machineDetection?: MachineDetectionMode;
  /** A key unique to this call attempt; retries of the request pass the same key. */
  readonly idempotencyKey: string;
  /** Free-form tags the transport may forward to the provider. Never contains PII. */
  readonly metadata?: Readonly<Record<string, string>>;
}

/** What the provider said when it took a call request. */
export interface CallResult {
  /** The provider's call id (Twilio `CA...`). Status callbacks refer to it. */
  readonly providerId: string;
  /** The status on acceptance, usually `queued`. */
  readonly status: CallStatus;
}

/**
 * What to do when a call is answered. The dialer chooses; the transport renders it in its provider's
 * markup (TwiML, TeXML, NCCO ...).
 */
export type AnswerInstructionsInput =
  | {
      /** Put the call into a conference room (the volunteer's, for phone banks). */
      readonly action: "conference";
      /** The room's name, unique per volunteer session. */
      readonly conferenceName: string;
      /** Start the conference when this participant joins (true for the volunteer). */
      readonly startConferenceOnEnter?: boolean;
      /** End the conference when this participant leaves (true for the volunteer). */
      readonly endConferenceOnExit?: boolean;
      /** Play a beep when participants join or leave. */
      readonly beep?: boolean;
    }
  | {
      /** Connect the answered call to another number. */
      readonly action: "dial";
      /** The number to connect to, E.164. */
      readonly to: E164PhoneNumber;
      /** The caller id shown to `to`. */
      readonly callerId?: E164PhoneNumber;
      /** Seconds to ring `to`. */
      readonly timeoutSeconds?: number;
    }
  | {
      /** Speak text, then hang up (a voicemail drop, or the recorded message for an abandoned call). */
      readonly action: "say";
      /** The text to speak. */
      readonly text: string;
      /** A BCP 47 language tag (`en-US`, `es-US`). */
      readonly language?: string;
    }
  | {
      /** Play a recording, then hang up. */
      readonly action: "play";
      /** The recording's public URL. */
      readonly audioUrl: string;
    }
  | {
      /** End the call. */
      readonly action: "hangup";
    };

/** Provider markup to return from the answer URL. */
export interface AnswerInstructions {
  /** The response's `Content-Type` (`application/xml` for TwiML). */
  readonly contentType: string;
  /** The response body. */
  readonly body: string;
}

/** A call-status callback. */
export interface CallStatusUpdate {
  /** The provider's call id. */
  readonly providerId: string;
  /** The reported status. */
  readonly status: CallStatus;
  /** Who answered, when machine detection ran. */
  readonly answeredBy?: AnsweredBy;
  /** Call length in seconds, on `completed`. */
  readonly durationSeconds?: number;
  /** When the status changed, if the provider says. */
  readonly occurredAt?: Date;
  /** The provider's payload as parsed from the webhook, kept for audit. */
  readonly raw: Readonly<Record<string, unknown>>;
}

/** Dial a contact straight into a conference room. */
export interface AddToConferenceInput {
  /** The room to add the contact to. */
  readonly conferenceName: string;
  /** The contact's number, E.164. */
  readonly to: E164PhoneNumber;
  /** The caller id, E.164. */
  readonly from: E164PhoneNumber;
  /** The public URL for this call's status callbacks. */
  readonly statusCallbackUrl?: string;
  /** Seconds to let it ring. */
  readonly timeoutSeconds?: number;
  /** Answering-machine detection mode. */
  readonly machineDetection?: MachineDetectionMode;
  /** A key unique to this call attempt. */
  readonly idempotencyKey: string;
}

/** Move a call that is already in progress (the volunteer's) into a conference room. */
export interface JoinConferenceInput {
  /** The room to join. */
  readonly conferenceName: string;
  /** The provider id of the in-progress call to move. */
  readonly providerId: string;
  /** Start the conference when this call joins. */
  readonly startConferenceOnEnter?: boolean;
  /** End the conference when this call leaves. */
  readonly endConferenceOnExit?: boolean;
}

/** Conference control, for power and predictive dialing into a volunteer's room. */
export interface VoiceConference {
  /** Moves an in-progress call into a conference room. */
  join(input: JoinConferenceInput, options?: OperationOptions): Promise<void>;
  /** Dials a contact into a conference room. */
  add(input: AddToConferenceInput, options?: OperationOptions): Promise<CallResult>;
}

/**
 * Version 1 of the voice transport contract.
 *
 * **Required:** `specificationVersion`, `provider`, `call()`, `answerInstructions()`.
 *
 * **Optional capabilities** (the dialer checks with `hasCapability()`): `machineDetection` (true when
 * `OutboundCall.machineDetection` is honoured; predictive dialing and voicemail drops need it),
 * `conference` (power/predictive modes; preview mode works with `call` + `dial` instructions alone),
 * `hangup`, `redirect` (new instructions for a live call: the voicemail drop after an asynchronous
 * machine-detection result), `parseStatus` (dispositions and abandonment accounting), `verifyWebhook`.
 *
 * **Errors:** every failure is a `PrecinctError`; vendor errors are mapped, never leaked.
 *
 * **Versioning:** a breaking change adds `VoiceTransportV2` beside this interface; this one stays exported
 * and supported, and {@link VoiceTransport} names the union of supported versions.
 */
export interface VoiceTransportV1 {
  /** The contract version this object implements. */
  readonly specificationVersion: "v1";
  /** The provider's name, lowercase (`twilio`). */
  readonly provider: string;
  /** True when the transport honours {@link OutboundCall.machineDetection}. */
  readonly machineDetection?: boolean;
  /** Conference control, when the provider supports conference rooms. */
  readonly conference?: VoiceConference;
  /** Places a call. Resolves once the provider accepted the request. */
  call(params: OutboundCall, options?: OperationOptions): Promise<CallResult>;
  /** Renders what to do on answer in the provider's markup, for the answer URL's response. */
  answerInstructions(params: AnswerInstructionsInput): Awaitable<AnswerInstructions>;
  /** Ends a call in progress (an abandoned predictive call, a volunteer hanging up). */
  hangup?(providerId: string, options?: OperationOptions): Promise<void>;
  /**
   * Replaces what a live call is doing with `instructions` (Twilio: `calls(sid).update({ twiml })`). The
   * dialer uses it for the voicemail drop when asynchronous machine detection reports the end of a greeting
   * after the call was already put through: without it such a machine is hung up instead. Rejects with a
   * `PrecinctError` when the call has already ended (Twilio: `details.failureReason: "call_ended"`) and
   * `NotFoundError` for an unknown id.
   */
  redirect?(
    providerId: string,
    instructions: AnswerInstructionsInput,
    options?: OperationOptions,
  ): Promise<void>;
  /** Parses a call-status webhook. Called only after {@link VoiceTransportV1.verifyWebhook} accepted it. */
  parseStatus?(request: WebhookRequest): Awaitable<CallStatusUpdate>;
  /** Checks the provider's signature over the raw body and public URL. */
  verifyWebhook?(request: WebhookRequest): Awaitable<boolean>;
}

/** A voice transport of any supported contract version. Currently only {@link VoiceTransportV1}. */
export type VoiceTransport = VoiceTransportV1;
