/**
 * The `SocialPublisher` contract: posting to a social network account or page.
 *
 * @module
 */

import type { OperationOptions } from "./common.js";

/** A post to publish. */
export interface SocialPost {
  /** The post's text. Publishers reject text longer than their network allows with `invalid_input`. */
  readonly text: string;
  /** A link to attach (a link preview where the network makes one). */
  readonly link?: string;
  /** Public URLs of images or video to attach. */
  readonly mediaUrls?: readonly string[];
  /**
   * The account or page to post as (`urn:li:organization:123`, a Facebook page id). When absent the
   * publisher uses the account it was configured with.
   */
  readonly account?: string;
  /** A key unique to this logical post; publishers that can must not post twice for one key. */
  readonly idempotencyKey?: string;
}

/** A post the network accepted. */
export interface PublishedPost {
  /** The network's post id. */
  readonly providerId: string;
  /** The post's public URL, when the network gives one. */
  readonly url?: string;
  /** When it was published. */
  readonly publishedAt: Date;
}

/** A post the network will publish later. */
export interface ScheduledPost {
  /** The network's id for the scheduled post. */
  readonly providerId: string;
  /** When it will be published. */
  readonly scheduledFor: Date;
}

/** Engagement counts for a post. Fields the network does not report are absent, not zero. */
export interface PostMetrics {
  /** Times the post was shown. */
  readonly impressions?: number;
  /** Likes/reactions. */
  readonly reactions?: number;
  /** Shares/reposts. */
  readonly shares?: number;
  /** Comments/replies. */
  readonly comments?: number;
  /** Link clicks. */
  readonly clicks?: number;
  /** When the network computed these counts. */
  readonly asOf: Date;
}

/**
 * Version 1 of the social publisher contract.
 *
 * **Required:** `specificationVersion`, `provider`, `publish()`.
 *
 * **Optional capabilities** (checked with `hasCapability()`): `schedule` (network-side scheduling;
 * without it Precinct schedules through its job queue and calls `publish` on time), `delete`, `metrics`.
 *
 * **Versioning:** a breaking change adds `SocialPublisherV2` beside this interface; this one stays
 * exported and supported, and {@link SocialPublisher} names the union of supported versions.
 */
export interface SocialPublisherV1 {
  /** The contract version this object implements. */
  readonly specificationVersion: "v1";
  /** The network's name, lowercase (`facebook`, `x`, `linkedin`). */
  readonly provider: string;
  /** Publishes a post now. */
  publish(post: SocialPost, options?: OperationOptions): Promise<PublishedPost>;
  /** Asks the network to publish a post at `at`. */
  schedule?(post: SocialPost, at: Date, options?: OperationOptions): Promise<ScheduledPost>;
  /** Deletes a published or scheduled post. Throws `NotFoundError` for an unknown id. */
  delete?(providerId: string, options?: OperationOptions): Promise<void>;
  /** Reads a post's engagement counts. */
  metrics?(providerId: string, options?: OperationOptions): Promise<PostMetrics>;
}

/** A social publisher of any supported contract version. Currently only {@link SocialPublisherV1}. */
export type SocialPublisher = SocialPublisherV1;
