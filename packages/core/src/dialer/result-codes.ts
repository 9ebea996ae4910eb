/**
 * VAN-style result codes of a phone bank call: what happened when nobody had a conversation (or the
 * person refused one). A call's outcome is a result code **or** survey responses, never both.
 *
 * @module
 */

/** What a result code does to the contact and the person's records. */
export interface ResultCodeRule {
  /** The label volunteers see, in VAN's words. */
  readonly label: string;
  /**
   * `final`: the contact is done and never called again in this phone bank; `retry`: it is called again
   * after the retry delay while attempts remain; `callback`: it is called again at the time the person asked.
   */
  readonly next: "final" | "retry" | "callback";
  /** Whether a volunteer may record it (the others are only set by the dialer from call statuses). */
  readonly volunteer: boolean;
  /** The status the dialed number gets on the person's record. */
  readonly phoneStatus?: "wrong_number" | "disconnected";
  /** A voice opt-out appended to the consent ledger (the organization's do-not-call list). */
  readonly optOut?: boolean;
}

/**
 * Every result code and its effect. Codes a volunteer records: `not_home`, `busy`, `wrong_number`,
 * `refused`, `do_not_call`, `bad_number`, `moved`, `deceased`, `callback_requested`, `voicemail_left`,
 * `language_barrier`. Codes the dialer sets from the provider's reports: `no_answer`, `busy`, `machine`,
 * `voicemail_left`, `abandoned`, `failed`, `canceled`, `incomplete` (the volunteer left without a result).
 */
export const RESULT_CODES = {
  not_home: { label: "Not Home", next: "retry", volunteer: true },
  busy: { label: "Busy", next: "retry", volunteer: true },
  no_answer: { label: "No Answer", next: "retry", volunteer: false },
  voicemail_left: { label: "Left Message", next: "retry", volunteer: true },
  machine: { label: "Answering Machine", next: "retry", volunteer: false },
  callback_requested: { label: "Call Back", next: "callback", volunteer: true },
  language_barrier: { label: "Language Barrier", next: "final", volunteer: true },
  wrong_number: { label: "Wrong Number", next: "final", volunteer: true, phoneStatus: "wrong_number" },
  bad_number: { label: "Disconnected", next: "final", volunteer: true, phoneStatus: "disconnected" },
  refused: { label: "Refused", next: "final", volunteer: true, optOut: true },
  do_not_call: { label: "Do Not Call", next: "final", volunteer: true, optOut: true },
  moved: { label: "Moved", next: "final", volunteer: true },
  deceased: { label: "Deceased", next: "final", volunteer: true },
  abandoned: { label: "Abandoned (no volunteer free)", next: "retry", volunteer: false },
  failed: { label: "Call Failed", next: "retry", volunteer: false },
  canceled: { label: "Canceled", next: "retry", volunteer: false },
  incomplete: { label: "No Result Recorded", next: "retry", volunteer: false },
} as const satisfies Readonly<Record<string, ResultCodeRule>>;

/** A result code. */
export type ResultCode = keyof typeof RESULT_CODES;

/** A result code a volunteer may record. */
export type VolunteerResultCode = {
  [K in ResultCode]: (typeof RESULT_CODES)[K]["volunteer"] extends true ? K : never;
}[ResultCode];

/** Result codes volunteers may record, in the order a calling screen lists them. */
export const VOLUNTEER_RESULT_CODES: readonly VolunteerResultCode[] = (
  Object.keys(RESULT_CODES) as ResultCode[]
).filter((code): code is VolunteerResultCode => RESULT_CODES[code].volunteer);

/** True when `value` is a {@link ResultCode}. */
export function isResultCode(value: unknown): value is ResultCode {
  return typeof value === "string" && Object.hasOwn(RESULT_CODES, value);
}

/**
 * The outcome recorded for a conversation that happened (survey responses, possibly none, and tags):
 * the contact is done.
 */
export const CONTACTED = "contacted";
