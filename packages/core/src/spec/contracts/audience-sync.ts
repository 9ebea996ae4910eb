/**
 * The `AudienceSync` contract: keeping an ad platform's matched audience (Facebook Custom Audience, ...)
 * in step with a Precinct segment.
 *
 * @module
 */

import type { OperationOptions } from "./common.js";

/**
 * One person to match on the ad platform, with **raw, normalized** values (core's normalization:
 * trimmed, E.164 phones, lowercase emails). Hashing and the platform's own normalization (Facebook's
 * SHA-256 of lowercase values, digits-only phones, ...) are the adapter's job, so one segment can feed
 * platforms with different rules. Absent fields are not sent.
 */
export interface AudienceMember {
  /** Our person id, for the adapter's logs and the platform's `EXTERN_ID` where supported. */
  readonly externalId?: string;
  /** Email address. */
  readonly email?: string;
  /** Phone number, E.164. */
  readonly phone?: string;
  /** Given (first) name. */
  readonly givenName?: string;
  /** Family (last) name. */
  readonly familyName?: string;
  /** City. */
  readonly city?: string;
  /** State or region, as the two-letter code where one exists (`NC`). */
  readonly region?: string;
  /** Postal code (`27601` or ZIP+4). */
  readonly postalCode?: string;
  /** Country, ISO 3166-1 alpha-2 (`US`). */
  readonly country?: string;
  /** Birth date, `YYYY-MM-DD`. */
  readonly birthDate?: string;
  /** Gender as recorded; adapters send only what their platform accepts (Facebook: `m`, `f`). */
  readonly gender?: string;
}

/** Which audience to change and with whom. */
export interface AudienceSyncInput {
  /** The platform's audience id. */
  readonly audienceId: string;
  /** The members, at most the adapter's {@link AudienceSyncV1.maxBatchSize}. */
  readonly members: readonly AudienceMember[];
}

/** What the platform did with a batch. */
export interface AudienceSyncResult {
  /** The audience changed. */
  readonly audienceId: string;
  /** Members the adapter sent. */
  readonly received: number;
  /** Members the platform reported as invalid (no usable identifier). */
  readonly invalid: number;
  /** Non-fatal notes from the platform or adapter (fields dropped, values that failed normalization). */
  readonly warnings: readonly string[];
}

/**
 * Version 1 of the audience sync contract.
 *
 * **Required:** `specificationVersion`, `provider`, `upsertAudience()`.
 *
 * **Optional capabilities** (checked with `hasCapability()`): `remove` (take members out, e.g. after an
 * opt-out), `replace` (swap a whole audience that fits in one call; otherwise the engine upserts and removes),
 * `maxBatchSize` (the engine chunks members to it; Facebook: 10,000).
 *
 * **Versioning:** a breaking change adds `AudienceSyncV2` beside this interface; this one stays exported
 * and supported, and {@link AudienceSync} names the union of supported versions.
 */
export interface AudienceSyncV1 {
  /** The contract version this object implements. */
  readonly specificationVersion: "v1";
  /** The platform's name, lowercase (`facebook`). */
  readonly provider: string;
  /** The most members one call accepts. */
  readonly maxBatchSize?: number;
  /** Adds members to an audience (members already in it stay). */
  upsertAudience(input: AudienceSyncInput, options?: OperationOptions): Promise<AudienceSyncResult>;
  /** Removes members from an audience. */
  remove?(input: AudienceSyncInput, options?: OperationOptions): Promise<AudienceSyncResult>;
  /**
   * Replaces an audience's members with exactly these. The engine uses it only when the whole audience
   * fits in one call; larger audiences are synced with `upsertAudience` and `remove`.
   */
  replace?(input: AudienceSyncInput, options?: OperationOptions): Promise<AudienceSyncResult>;
}

/** An audience sync of any supported contract version. Currently only {@link AudienceSyncV1}. */
export type AudienceSync = AudienceSyncV1;
