/**
 * The `EventSource` contract: events (rallies, canvass launches, trainings) and attendance from an
 * external tool such as Action Network or Mobilize.
 *
 * @module
 */

import type { Awaitable, OperationOptions, PullOptions, PushResult, WebhookRequest } from "./common.js";
import type { ExternalPerson, ExternalPostalAddress } from "./people-sync.js";

/** An event in an external system (OSDI `osdi:event`). */
export interface ExternalEvent {
  /** Discriminates events from attendances in a pull. */
  readonly type: "event";
  /** The event's ids as `"system:id"`. */
  readonly identifiers: readonly string[];
  /** The event's title. */
  readonly title: string;
  /** A description, possibly HTML. */
  readonly description?: string;
  /** When it starts. */
  readonly startDate: Date;
  /** When it ends. */
  readonly endDate?: Date;
  /** The IANA time zone it is held in (`America/New_York`). */
  readonly timeZone?: string;
  /** Where it is held; absent for virtual events. */
  readonly location?: ExternalPostalAddress & {
    /** The venue's name. */
    readonly venue?: string;
  };
  /** `confirmed`, `tentative` or `cancelled`, OSDI's event statuses. */
  readonly status?: "confirmed" | "tentative" | "cancelled";
  /** The most attendees allowed. */
  readonly capacity?: number;
  /** The public page, when there is one. */
  readonly browserUrl?: string;
  /** When it was created. */
  readonly createdDate?: Date;
  /** When it was last modified. */
  readonly modifiedDate?: Date;
}

/** Where an attendee stands: signed up, came, did not come, or withdrew. */
export type AttendanceStatus = "rsvp" | "attended" | "no_show" | "cancelled";

/** One person's attendance at an event (OSDI `osdi:attendance`), with the person. */
export interface ExternalAttendance {
  /** Discriminates attendances from events in a pull. */
  readonly type: "attendance";
  /** The attendance's ids as `"system:id"`. */
  readonly identifiers: readonly string[];
  /** Identifiers of the event; match them against {@link ExternalEvent.identifiers}. */
  readonly eventIdentifiers: readonly string[];
  /** The attendee. */
  readonly person: ExternalPerson;
  /** Where they stand. */
  readonly status: AttendanceStatus;
  /** When they signed up. */
  readonly createdDate: Date;
  /** When the attendance was last modified (e.g. marked attended). */
  readonly modifiedDate?: Date;
}

/** A record from an event source: an event or an attendance. Switch on `type`. */
export type EventSourceRecord = ExternalEvent | ExternalAttendance;

/**
 * Version 1 of the event source contract.
 *
 * **Required:** `specificationVersion`, `provider`, `pull()`.
 *
 * **Optional capabilities** (checked with `hasCapability()`): `push` (record RSVPs and check-ins taken in
 * Precinct), `parseWebhook` (real-time RSVPs).
 *
 * **Versioning:** a breaking change adds `EventSourceV2` beside this interface; this one stays exported
 * and supported, and {@link EventSource} names the union of supported versions.
 */
export interface EventSourceV1 {
  /** The contract version this object implements. */
  readonly specificationVersion: "v1";
  /** The system's name, lowercase (`action_network`, `mobilize`). */
  readonly provider: string;
  /**
   * Streams events and attendances created or modified at or after `since`. An event comes before its
   * attendances when both changed; an attendance may reference an event pulled earlier.
   */
  pull(since?: Date, options?: PullOptions): AsyncIterable<EventSourceRecord>;
  /** Records attendances in the external system. */
  push?(attendances: readonly ExternalAttendance[], options?: OperationOptions): Promise<PushResult>;
  /** Parses a webhook carrying new RSVPs or events. Called only after the router accepted it. */
  parseWebhook?(request: WebhookRequest): Awaitable<EventSourceRecord[]>;
}

/** An event source of any supported contract version. Currently only {@link EventSourceV1}. */
export type EventSource = EventSourceV1;
