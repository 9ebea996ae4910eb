/**
 * An honest in-memory {@link AudienceSyncV1}: keeps each audience's members so tests can read what an ad
 * platform would hold.
 *
 * @module
 */

import {
  type AudienceMember,
  type AudienceSyncInput,
  type AudienceSyncResult,
  type AudienceSyncV1,
  InvalidInputError,
  type OperationOptions,
} from "@precinct/core";
import { FailureInjector, type FakeFailureControls } from "./failures.js";
import { requirePositiveInteger, requireString, throwIfAborted } from "./util.js";

/** Options for {@link createFakeAudienceSync}. */
export interface FakeAudienceSyncOptions {
  /** The platform name the fake reports. Default `fake-audiences`. */
  readonly provider?: string;
  /** The most members one call accepts. Default 10,000 (Facebook's limit). */
  readonly maxBatchSize?: number;
}

/** One call made to the fake. */
export interface FakeAudienceCall {
  /** Which method was called. */
  readonly operation: "upsert" | "remove" | "replace";
  /** The input as given. */
  readonly input: AudienceSyncInput;
  /** What the fake returned. */
  readonly result: AudienceSyncResult;
}

/** The fake audience sync: the contract, with every optional capability, plus inspection and control. */
export interface FakeAudienceSync extends AudienceSyncV1, FakeFailureControls<AudienceSyncInput> {
  /** The most members one call accepts. */
  readonly maxBatchSize: number;
  /** Every successful call, in order. */
  readonly calls: readonly FakeAudienceCall[];
  /** Removes members. */
  remove(input: AudienceSyncInput, options?: OperationOptions): Promise<AudienceSyncResult>;
  /** Replaces an audience's members. */
  replace(input: AudienceSyncInput, options?: OperationOptions): Promise<AudienceSyncResult>;
  /** The members an audience holds now, in insertion order. */
  members(audienceId: string): AudienceMember[];
  /** Forgets every audience and call. */
  reset(): void;
}

/**
 * Creates a fake audience sync. Members are keyed by email, else phone; a member with neither is counted
 * `invalid` (the platform could not match it) and reported in `warnings`.
 */
export function createFakeAudienceSync(options: FakeAudienceSyncOptions = {}): FakeAudienceSync {
  const provider = options.provider ?? "fake-audiences";
  const maxBatchSize = requirePositiveInteger("maxBatchSize", options.maxBatchSize ?? 10_000);
  const failures = new FailureInjector<AudienceSyncInput>(provider);
  const audiences = new Map<string, Map<string, AudienceMember>>();
  const calls: FakeAudienceCall[] = [];

  const apply = (
    operation: FakeAudienceCall["operation"],
    input: AudienceSyncInput,
    signal: AbortSignal | undefined,
  ): AudienceSyncResult => {
    throwIfAborted(signal);
    const audienceId = requireString("audienceId", input.audienceId);
    if (!Array.isArray(input.members)) {
      throw new InvalidInputError({ field: "members", value: input.members, reason: "must be an array" });
    }
    if (input.members.length > maxBatchSize) {
      throw new InvalidInputError({
        field: "members",
        value: `${input.members.length} members`,
        reason: `at most ${maxBatchSize} per call`,
      });
    }
    const error = failures.take(input);
    if (error !== undefined) throw error;

    if (operation === "replace") audiences.set(audienceId, new Map());
    const audience = audiences.get(audienceId) ?? new Map<string, AudienceMember>();
    audiences.set(audienceId, audience);
    let invalid = 0;
    const warnings: string[] = [];
    input.members.forEach((member, index) => {
      const key = member.email?.toLowerCase() ?? member.phone;
      if (key === undefined) {
        invalid += 1;
        warnings.push(`members[${index}] has no email or phone and cannot be matched.`);
        return;
      }
      if (operation === "remove") audience.delete(key);
      else audience.set(key, member);
    });
    const result: AudienceSyncResult = { audienceId, received: input.members.length, invalid, warnings };
    calls.push({ operation, input, result });
    return result;
  };

  return {
    specificationVersion: "v1",
    provider,
    maxBatchSize,
    calls,
    upsertAudience: async (input, o) => apply("upsert", input, o?.signal),
    remove: async (input, o) => apply("remove", input, o?.signal),
    replace: async (input, o) => apply("replace", input, o?.signal),
    members: (audienceId) => [...(audiences.get(audienceId)?.values() ?? [])],
    failNext: (failure, failOptions) => failures.failNext(failure, failOptions),
    failWhen: (predicate, failure) => failures.failWhen(predicate, failure),
    reset() {
      audiences.clear();
      calls.length = 0;
      failures.reset();
    },
  };
}
