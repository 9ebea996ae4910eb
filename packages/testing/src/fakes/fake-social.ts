/**
 * An honest in-memory {@link SocialPublisherV1}: records posts, schedules, deletions and serves metrics
 * the test sets.
 *
 * @module
 */

import {
  InvalidInputError,
  NotFoundError,
  type OperationOptions,
  type PostMetrics,
  type PublishedPost,
  type ScheduledPost,
  type SocialPost,
  type SocialPublisherV1,
} from "@precinct/core";
import { FailureInjector, type FakeFailureControls } from "./failures.js";
import { idSequence, requirePositiveInteger, throwIfAborted } from "./util.js";

/** Options for {@link createFakeSocial}. */
export interface FakeSocialOptions {
  /** The network name the fake reports. Default `fake-social`. */
  readonly provider?: string;
  /** The longest text accepted. Default 280 (X's limit). */
  readonly maxLength?: number;
  /** The base of post URLs. Default `https://social.test/posts/`. */
  readonly baseUrl?: string;
  /** The clock. Default `() => new Date()`. */
  readonly now?: () => Date;
}

/** A post the fake published or scheduled. */
export interface FakePost {
  /** The fake post id (`POSTfake000001`). */
  readonly providerId: string;
  /** The post as given. */
  readonly post: SocialPost;
  /** When it was published, or will be for a scheduled post. */
  readonly at: Date;
  /** `published` by `publish()`, `scheduled` by `schedule()`, `deleted` after `delete()`. */
  readonly state: "published" | "scheduled" | "deleted";
  /** The post's URL. */
  readonly url: string;
}

/** The fake social publisher: the contract, with every optional capability, plus inspection and control. */
export interface FakeSocialPublisher extends SocialPublisherV1, FakeFailureControls<SocialPost> {
  /** Every post published or scheduled, in order, with its current state. */
  readonly posts: readonly FakePost[];
  /** Asks the network to publish later. */
  schedule(post: SocialPost, at: Date, options?: OperationOptions): Promise<ScheduledPost>;
  /** Deletes a post. Throws `NotFoundError` for an unknown or already deleted id. */
  delete(providerId: string, options?: OperationOptions): Promise<void>;
  /** Returns the metrics set with {@link FakeSocialPublisher.setMetrics}, else zeros. */
  metrics(providerId: string, options?: OperationOptions): Promise<PostMetrics>;
  /** Sets the metrics `metrics()` reports for a post. */
  setMetrics(providerId: string, metrics: Omit<PostMetrics, "asOf">): void;
  /** Forgets everything; ids restart at 000001. */
  reset(): void;
}

/**
 * Creates a fake social publisher. Text longer than `maxLength` is refused with `invalid_input`; a repeated
 * `idempotencyKey` returns the first post.
 */
export function createFakeSocial(options: FakeSocialOptions = {}): FakeSocialPublisher {
  const provider = options.provider ?? "fake-social";
  const maxLength = requirePositiveInteger("maxLength", options.maxLength ?? 280);
  const baseUrl = options.baseUrl ?? "https://social.test/posts/";
  const now = options.now ?? (() => new Date());
  const ids = idSequence("POSTfake");
  const failures = new FailureInjector<SocialPost>(provider);
  const posts: FakePost[] = [];
  const byKey = new Map<string, FakePost>();
  const metrics = new Map<string, Omit<PostMetrics, "asOf">>();

  const find = (providerId: string): number => {
    const index = posts.findIndex((p) => p.providerId === providerId && p.state !== "deleted");
    if (index < 0) throw new NotFoundError("Post", providerId);
    return index;
  };

  const create = (
    post: SocialPost,
    state: "published" | "scheduled",
    at: Date,
    signal?: AbortSignal,
  ): FakePost => {
    throwIfAborted(signal);
    if (typeof post.text !== "string" || post.text.length === 0 || [...post.text].length > maxLength) {
      throw new InvalidInputError({
        field: "text",
        value: post.text,
        reason: `must be 1 to ${maxLength} characters`,
      });
    }
    const previous = post.idempotencyKey === undefined ? undefined : byKey.get(post.idempotencyKey);
    if (previous !== undefined) return previous;
    const error = failures.take(post);
    if (error !== undefined) throw error;
    const providerId = ids.next();
    const record: FakePost = { providerId, post, at, state, url: `${baseUrl}${providerId}` };
    posts.push(record);
    if (post.idempotencyKey !== undefined) byKey.set(post.idempotencyKey, record);
    return record;
  };

  return {
    specificationVersion: "v1",
    provider,
    posts,

    async publish(post, publishOptions): Promise<PublishedPost> {
      const record = create(post, "published", now(), publishOptions?.signal);
      return { providerId: record.providerId, url: record.url, publishedAt: record.at };
    },

    async schedule(post, at, scheduleOptions): Promise<ScheduledPost> {
      if (!(at instanceof Date) || Number.isNaN(at.getTime()) || at <= now()) {
        throw new InvalidInputError({ field: "at", value: at, reason: "must be a date in the future" });
      }
      const record = create(post, "scheduled", at, scheduleOptions?.signal);
      return { providerId: record.providerId, scheduledFor: record.at };
    },

    async delete(providerId, deleteOptions) {
      throwIfAborted(deleteOptions?.signal);
      const index = find(providerId);
      posts[index] = { ...posts[index]!, state: "deleted" };
    },

    async metrics(providerId, metricsOptions) {
      throwIfAborted(metricsOptions?.signal);
      find(providerId);
      const set = metrics.get(providerId) ?? {
        impressions: 0,
        reactions: 0,
        shares: 0,
        comments: 0,
        clicks: 0,
      };
      return { ...set, asOf: now() };
    },

    setMetrics(providerId, values) {
      find(providerId);
      metrics.set(providerId, values);
    },

    failNext: (failure, failOptions) => failures.failNext(failure, failOptions),
    failWhen: (predicate, failure) => failures.failWhen(predicate, failure),

    reset() {
      posts.length = 0;
      byKey.clear();
      metrics.clear();
      failures.reset();
      ids.reset();
    },
  };
}
