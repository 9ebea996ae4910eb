/**
 * The `PeopleSync` contract and the OSDI-shaped person record the sync contracts exchange.
 *
 * @module
 */

import type { Awaitable, OperationOptions, PullOptions, PushResult, WebhookRequest } from "./common.js";

/** Subscription status of an email address or phone number in an OSDI system. */
export type ExternalContactStatus =
  | "subscribed"
  | "unsubscribed"
  | "bouncing"
  | "previous bounce"
  | "spam complaint"
  | "previous spam complaint";

/** An email address on an external person (OSDI `email_addresses[]`). */
export interface ExternalEmailAddress {
  /** The address. */
  readonly address: string;
  /** Whether it is the person's primary address. */
  readonly primary?: boolean;
  /** Its subscription status in the external system. */
  readonly status?: ExternalContactStatus;
}

/** A phone number on an external person (OSDI `phone_numbers[]`). */
export interface ExternalPhoneNumber {
  /** The number, E.164 when the adapter could normalize it, else as received. */
  readonly number: string;
  /** Whether it is the person's primary number. */
  readonly primary?: boolean;
  /** `mobile`, `home`, `work`, ... as the external system labels it. */
  readonly numberType?: string;
  /** Its SMS subscription status in the external system. */
  readonly status?: ExternalContactStatus;
}

/** A postal address on an external person or event (OSDI `postal_addresses[]`, `location`). */
export interface ExternalPostalAddress {
  /** Street lines. */
  readonly addressLines?: readonly string[];
  /** City. */
  readonly locality?: string;
  /** State or region code. */
  readonly region?: string;
  /** Postal code. */
  readonly postalCode?: string;
  /** Country, ISO 3166-1 alpha-2. */
  readonly country?: string;
  /** Whether it is the person's primary address. */
  readonly primary?: boolean;
}

/** A person as an OSDI system (Action Network, a CRM) describes them. Field names follow OSDI in camelCase. */
export interface ExternalPerson {
  /** The person's ids in every system known, as `"system:id"` (`"action_network:1f0e…"`). At least one. */
  readonly identifiers: readonly string[];
  /** Given (first) name. */
  readonly givenName?: string;
  /** Family (last) name. */
  readonly familyName?: string;
  /** Middle name. */
  readonly additionalName?: string;
  /** Email addresses. */
  readonly emailAddresses?: readonly ExternalEmailAddress[];
  /** Phone numbers. */
  readonly phoneNumbers?: readonly ExternalPhoneNumber[];
  /** Postal addresses. */
  readonly postalAddresses?: readonly ExternalPostalAddress[];
  /** Custom fields, as strings. */
  readonly customFields?: Readonly<Record<string, string>>;
  /** Tag names. */
  readonly tags?: readonly string[];
  /** When the external system created the record. */
  readonly createdDate?: Date;
  /** When the external system last modified the record; `pull(since)` compares against it. */
  readonly modifiedDate?: Date;
}

/**
 * Version 1 of the people sync contract.
 *
 * **Required:** `specificationVersion`, `provider`, `pull()`.
 *
 * **Optional capabilities** (checked with `hasCapability()`): `push` (write people back), `parseWebhook`
 * (real-time updates instead of polling `pull`).
 *
 * **Versioning:** a breaking change adds `PeopleSyncV2` beside this interface; this one stays exported
 * and supported, and {@link PeopleSync} names the union of supported versions.
 */
export interface PeopleSyncV1 {
  /** The contract version this object implements. */
  readonly specificationVersion: "v1";
  /** The system's name, lowercase (`action_network`); also the `system` part of its identifiers. */
  readonly provider: string;
  /**
   * Streams people created or modified at or after `since` (all people without it), page by page so a
   * large list is never whole in memory.
   */
  pull(since?: Date, options?: PullOptions): AsyncIterable<ExternalPerson>;
  /** Creates or updates people in the external system. */
  push?(people: readonly ExternalPerson[], options?: OperationOptions): Promise<PushResult>;
  /** Parses a webhook carrying changed people. Called only after the router accepted the request. */
  parseWebhook?(request: WebhookRequest): Awaitable<ExternalPerson[]>;
}

/** A people sync of any supported contract version. Currently only {@link PeopleSyncV1}. */
export type PeopleSync = PeopleSyncV1;
