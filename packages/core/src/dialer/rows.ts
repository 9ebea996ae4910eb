/**
 * Row conversions and the small stored pieces of the dialer.
 *
 * @module
 */
import type { Selectable } from "kysely";
import type { CallStatus } from "../spec/contracts/voice-transport.js";
import type { CallTable, PhonebankContactTable, PhonebankSessionTable } from "../storage/schema.js";
import type { CallSession, ContactState, PhoneBankContact, SessionState } from "./types.js";

/** Call statuses after which a call is over. */
export const FINAL_CALL_STATUSES: readonly CallStatus[] = [
  "completed",
  "busy",
  "no-answer",
  "canceled",
  "failed",
];

/** Call statuses of a call that may still ring or talk. */
export const LIVE_CALL_STATUSES: readonly CallStatus[] = ["queued", "initiated", "ringing", "in-progress"];

const CALL_STATUS_RANK: Readonly<Record<CallStatus, number>> = {
  queued: 0,
  initiated: 1,
  ringing: 2,
  "in-progress": 3,
  completed: 4,
  busy: 4,
  "no-answer": 4,
  canceled: 4,
  failed: 4,
};

/** @internal True when `value` is a call status. */
export function isCallStatus(value: unknown): value is CallStatus {
  return typeof value === "string" && Object.hasOwn(CALL_STATUS_RANK, value);
}

/** @internal True when a call status is final. */
export function isFinalCallStatus(status: string): boolean {
  return (FINAL_CALL_STATUSES as readonly string[]).includes(status);
}

/**
 * @internal Whether a callback moving a call from `from` to `to` moves it forward: never backwards, never
 * out of a final status, never to the same status.
 */
export function isCallStatusAdvance(from: string, to: CallStatus): boolean {
  if (!isCallStatus(from)) return true;
  return CALL_STATUS_RANK[to] > CALL_STATUS_RANK[from];
}

/** @internal Statuses that rank below `status` (a compare-and-set moves only from these). */
export function statusesBelow(status: CallStatus): CallStatus[] {
  return (Object.keys(CALL_STATUS_RANK) as CallStatus[]).filter(
    (s) => CALL_STATUS_RANK[s] < CALL_STATUS_RANK[status],
  );
}

/** @internal A call-list row as the public type. */
export function toContact(row: Selectable<PhonebankContactTable>): PhoneBankContact {
  return {
    id: row.id,
    campaignId: row.campaignId,
    personId: row.personId,
    voterId: row.voterId,
    phone: row.phone,
    givenName: row.givenName,
    familyName: row.familyName,
    county: row.county,
    precinct: row.precinct,
    zip: row.zip,
    region: row.region,
    timeZone: row.timeZone,
    state: row.state as ContactState,
    reason: row.reason,
    result: row.result,
    attempts: Number(row.attempts),
    nextAttemptAt: row.nextAttemptAt,
  };
}

/** @internal A session row as the public type. */
export function toSession(row: Selectable<PhonebankSessionTable>): CallSession {
  return {
    id: row.id,
    campaignId: row.campaignId,
    volunteerId: row.volunteerId,
    via: row.via as CallSession["via"],
    endpoint: row.endpoint,
    conferenceName: row.conferenceName,
    state: row.state as SessionState,
    contactId: row.contactId,
    callId: row.callId,
    joinedAt: row.joinedAt,
    leftAt: row.leftAt,
  };
}

/** @internal A call row. */
export type CallRow = Selectable<CallTable>;
/** @internal A call-list row. */
export type ContactRow = Selectable<PhonebankContactTable>;
/** @internal A session row. */
export type SessionRow = Selectable<PhonebankSessionTable>;
