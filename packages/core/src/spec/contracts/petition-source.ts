/**
 * The `PetitionSource` contract: petitions and their signatures from an external tool.
 *
 * @module
 */

import type { Awaitable, OperationOptions, PullOptions, PushResult, WebhookRequest } from "./common.js";
import type { ExternalPerson } from "./people-sync.js";

/** A petition in an external system (OSDI `osdi:petition`). */
export interface ExternalPetition {
  /** Discriminates petitions from signatures in a pull. */
  readonly type: "petition";
  /** The petition's ids as `"system:id"`. */
  readonly identifiers: readonly string[];
  /** The petition's title. */
  readonly title: string;
  /** What signers are asked to support. */
  readonly petitionText?: string;
  /** The public page, when there is one. */
  readonly browserUrl?: string;
  /** When it was created. */
  readonly createdDate?: Date;
  /** When it was last modified. */
  readonly modifiedDate?: Date;
}

/** A signature on a petition (OSDI `osdi:signature`), with the signer. */
export interface ExternalSignature {
  /** Discriminates signatures from petitions in a pull. */
  readonly type: "signature";
  /** The signature's ids as `"system:id"`. */
  readonly identifiers: readonly string[];
  /** Identifiers of the petition signed; match them against {@link ExternalPetition.identifiers}. */
  readonly petitionIdentifiers: readonly string[];
  /** The signer. */
  readonly person: ExternalPerson;
  /** The signer's comment. */
  readonly comments?: string;
  /** When they signed. */
  readonly createdDate: Date;
  /** When the signature was last modified. */
  readonly modifiedDate?: Date;
}

/** A record from a petition source: a petition or a signature. Switch on `type`. */
export type PetitionSourceRecord = ExternalPetition | ExternalSignature;

/**
 * Version 1 of the petition source contract.
 *
 * **Required:** `specificationVersion`, `provider`, `pull()`.
 *
 * **Optional capabilities** (checked with `hasCapability()`): `push` (record signatures collected in
 * Precinct, e.g. at a door, in the external tool), `parseWebhook` (real-time signatures).
 *
 * **Versioning:** a breaking change adds `PetitionSourceV2` beside this interface; this one stays
 * exported and supported, and {@link PetitionSource} names the union of supported versions.
 */
export interface PetitionSourceV1 {
  /** The contract version this object implements. */
  readonly specificationVersion: "v1";
  /** The system's name, lowercase (`action_network`). */
  readonly provider: string;
  /**
   * Streams petitions and signatures created or modified at or after `since`. A petition comes before its
   * signatures when both changed; a signature may reference a petition pulled earlier.
   */
  pull(since?: Date, options?: PullOptions): AsyncIterable<PetitionSourceRecord>;
  /** Records signatures in the external system. */
  push?(signatures: readonly ExternalSignature[], options?: OperationOptions): Promise<PushResult>;
  /** Parses a webhook carrying new signatures or petitions. Called only after the router accepted it. */
  parseWebhook?(request: WebhookRequest): Awaitable<PetitionSourceRecord[]>;
}

/** A petition source of any supported contract version. Currently only {@link PetitionSourceV1}. */
export type PetitionSource = PetitionSourceV1;
