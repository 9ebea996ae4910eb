/**
 * Plugin kinds, supported specification versions, capability checks and validation of the plugins given
 * to `createPrecinct()`.
 *
 * @module
 */

import { ConfigError, UnsupportedSpecificationError } from "../errors.js";
import type { AudienceSync } from "./audience-sync.js";
import type { EmailTransport } from "./email-transport.js";
import type { EventSource } from "./event-source.js";
import type { JobQueue } from "./job-queue.js";
import type { PeopleSync } from "./people-sync.js";
import type { PetitionSource } from "./petition-source.js";
import type { SmsTransport } from "./sms-transport.js";
import type { SocialPublisher } from "./social-publisher.js";
import type { VoiceTransport } from "./voice-transport.js";

/** The name of each plugin contract, as used in errors and {@link SUPPORTED_SPECIFICATION_VERSIONS}. */
export type ContractName =
  | "SmsTransport"
  | "EmailTransport"
  | "VoiceTransport"
  | "SocialPublisher"
  | "AudienceSync"
  | "PeopleSync"
  | "PetitionSource"
  | "EventSource"
  | "JobQueue";

/**
 * The `specificationVersion` values this version of `@precinct/core` implements, per contract. A new
 * contract version is added to its list; old versions stay until a major release of core removes them.
 */
export const SUPPORTED_SPECIFICATION_VERSIONS: Readonly<Record<ContractName, readonly string[]>> = {
  SmsTransport: ["v1"],
  EmailTransport: ["v1"],
  VoiceTransport: ["v1"],
  SocialPublisher: ["v1"],
  AudienceSync: ["v1"],
  PeopleSync: ["v1"],
  PetitionSource: ["v1"],
  EventSource: ["v1"],
  JobQueue: ["v1"],
};

/** Any plugin of any contract. */
export type PrecinctPlugin =
  | SmsTransport
  | EmailTransport
  | VoiceTransport
  | SocialPublisher
  | AudienceSync
  | PeopleSync
  | PetitionSource
  | EventSource
  | JobQueue;

/**
 * The plugins a Precinct client is configured with. One transport per messaging channel; any number of
 * publishers, audiences and sync sources.
 */
export interface PrecinctPlugins {
  /** The text-message transport. */
  sms?: SmsTransport;
  /** The email transport. */
  email?: EmailTransport;
  /** The voice transport for phone banks. */
  voice?: VoiceTransport;
  /** Social publishers, one per network or account. */
  social?: SocialPublisher[];
  /** Ad-platform audience syncs. */
  audiences?: AudienceSync[];
  /** People syncs with external CRMs. */
  people?: PeopleSync[];
  /** Petition sources. */
  petitions?: PetitionSource[];
  /** Event sources. */
  events?: EventSource[];
  /** The job queue; the in-process queue when absent. */
  jobs?: JobQueue;
}

/** A key of {@link PrecinctPlugins}: the kind of plugin a slot holds. */
export type PluginKind = keyof PrecinctPlugins;

/** The contract each {@link PluginKind} implements. */
export const PLUGIN_KIND_CONTRACTS: Readonly<Record<PluginKind, ContractName>> = {
  sms: "SmsTransport",
  email: "EmailTransport",
  voice: "VoiceTransport",
  social: "SocialPublisher",
  audiences: "AudienceSync",
  people: "PeopleSync",
  petitions: "PetitionSource",
  events: "EventSource",
  jobs: "JobQueue",
};

/** Slots that take a list of plugins rather than one. */
const LIST_KINDS: ReadonlySet<PluginKind> = new Set(["social", "audiences", "people", "petitions", "events"]);

/** The members each contract requires or may have, for shape checks. */
interface ContractShape {
  readonly required: readonly string[];
  readonly optional: readonly string[];
  readonly flags?: readonly string[];
  readonly counts?: readonly string[];
  readonly objects?: Readonly<Record<string, readonly string[]>>;
}

const SHAPES: Readonly<Record<ContractName, ContractShape>> = {
  SmsTransport: {
    required: ["send"],
    optional: [
      "parseInbound",
      "parseStatus",
      "verifyWebhook",
      "lookup",
      "findSent",
      "webhookAcknowledgement",
    ],
    flags: ["handlesKeywords", "dedupesByIdempotencyKey"],
  },
  EmailTransport: {
    required: ["send"],
    optional: ["parseEvents", "verifyWebhook", "suppressions"],
    flags: ["supportsSubstitutions"],
    counts: ["maxBatchSize"],
  },
  VoiceTransport: {
    required: ["call", "answerInstructions"],
    optional: ["hangup", "redirect", "parseStatus", "verifyWebhook"],
    flags: ["machineDetection"],
    objects: { conference: ["join", "add"] },
  },
  SocialPublisher: { required: ["publish"], optional: ["schedule", "delete", "metrics"] },
  AudienceSync: { required: ["upsertAudience"], optional: ["remove", "replace"], counts: ["maxBatchSize"] },
  PeopleSync: { required: ["pull"], optional: ["push", "parseWebhook"] },
  PetitionSource: { required: ["pull"], optional: ["push", "parseWebhook"] },
  EventSource: { required: ["pull"], optional: ["push", "parseWebhook"] },
  JobQueue: { required: ["add", "process"], optional: ["size", "close"] },
};

/**
 * Throws {@link UnsupportedSpecificationError} unless `plugin.specificationVersion` is one of `supported`.
 *
 * @param contract - The contract's name for the error message (`"SmsTransport"`, or with the config key).
 * @param plugin - The plugin object.
 * @param supported - The accepted versions, usually `SUPPORTED_SPECIFICATION_VERSIONS[contract]`.
 */
export function assertSpecificationVersion(
  contract: string,
  plugin: { readonly specificationVersion?: unknown },
  supported: readonly string[],
): void {
  const version = plugin.specificationVersion;
  if (typeof version !== "string" || !supported.includes(version)) {
    throw new UnsupportedSpecificationError({ contract, version, supported });
  }
}

/** The optional members of a plugin type: its optional methods, flags and capability objects. */
export type CapabilityKey<P> = {
  [K in keyof P]-?: Record<never, never> extends Pick<P, K> ? K : never;
}[keyof P];

/**
 * True when `plugin` has the optional capability `capability`: a method that is a function, a flag that
 * is `true`, or a capability object (`conference`) that is present. Narrows the plugin's type so the
 * capability can be called without a second check.
 *
 * @example
 * ```ts
 * if (hasCapability(sms, "parseInbound")) {
 *   const inbound = await sms.parseInbound(request);
 * }
 * if (hasCapability(sms, "handlesKeywords")) {
 *   // the provider already answered STOP: record the opt-out, send no confirmation
 * }
 * ```
 */
export function hasCapability<P extends object, K extends CapabilityKey<P>>(
  plugin: P,
  capability: K,
): plugin is P & { readonly [Q in K]-?: Exclude<P[Q], undefined | false> } {
  const value: unknown = plugin[capability as keyof P];
  return typeof value === "function" || value === true || (typeof value === "object" && value !== null);
}

/**
 * Checks one plugin against its contract: an object with a supported `specificationVersion`, a non-empty
 * `provider`, every required method, and optional members of the right type when present.
 *
 * @param contract - The contract the plugin should implement.
 * @param plugin - The value to check.
 * @param label - Where the plugin came from, for error messages (`plugins.sms`).
 * @throws {@link ConfigError} for a wrong shape; {@link UnsupportedSpecificationError} for an unknown version.
 */
export function validatePlugin(contract: ContractName, plugin: unknown, label: string = contract): void {
  if (typeof plugin !== "object" || plugin === null) {
    throw new ConfigError(
      `${label} must be a ${contract} object (what an adapter factory returns), got ${describe(plugin)}.`,
      { details: { plugin: label, contract } },
    );
  }
  const record = plugin as Record<string, unknown>;
  assertSpecificationVersion(`${contract} (${label})`, record, SUPPORTED_SPECIFICATION_VERSIONS[contract]);

  const fail = (problem: string): never => {
    throw new ConfigError(`${label} is not a valid ${contract}: ${problem}.`, {
      details: { plugin: label, contract },
    });
  };
  if (typeof record.provider !== "string" || record.provider.trim() === "") {
    fail("`provider` must be a non-empty string");
  }
  const shape = SHAPES[contract];
  for (const name of shape.required) {
    if (typeof record[name] !== "function") fail(`required method \`${name}\` is missing`);
  }
  for (const name of shape.optional) {
    if (record[name] !== undefined && typeof record[name] !== "function") {
      fail(`optional \`${name}\` must be a function when present, got ${describe(record[name])}`);
    }
  }
  for (const name of shape.flags ?? []) {
    if (record[name] !== undefined && typeof record[name] !== "boolean") {
      fail(`\`${name}\` must be a boolean when present, got ${describe(record[name])}`);
    }
  }
  for (const name of shape.counts ?? []) {
    const value = record[name];
    if (value !== undefined && !(typeof value === "number" && Number.isInteger(value) && value > 0)) {
      fail(`\`${name}\` must be a positive integer when present, got ${describe(value)}`);
    }
  }
  for (const [name, methods] of Object.entries(shape.objects ?? {})) {
    const value = record[name];
    if (value === undefined) continue;
    if (typeof value !== "object" || value === null) {
      fail(`\`${name}\` must be an object when present, got ${describe(value)}`);
    }
    for (const method of methods) {
      if (typeof (value as Record<string, unknown>)[method] !== "function") {
        fail(`\`${name}.${method}\` must be a function`);
      }
    }
  }
}

/**
 * Validates the plugins given to a Precinct client before anything is sent: every declared plugin must
 * implement its contract ({@link validatePlugin}); list slots must be arrays; unknown keys (usually a
 * typo such as `mail` for `email`) are refused rather than silently ignored.
 *
 * @returns The same object, for chaining.
 * @throws {@link ConfigError} naming the plugin key (`plugins.social[1]`) for a wrong shape or unknown
 * key; {@link UnsupportedSpecificationError} naming it for an unsupported `specificationVersion`.
 */
export function validatePlugins(plugins: PrecinctPlugins): PrecinctPlugins {
  if (typeof plugins !== "object" || plugins === null || Array.isArray(plugins)) {
    throw new ConfigError(
      `plugins must be an object such as { sms: twilio(...) }, got ${describe(plugins)}.`,
    );
  }
  for (const [key, value] of Object.entries(plugins)) {
    if (!Object.hasOwn(PLUGIN_KIND_CONTRACTS, key)) {
      throw new ConfigError(
        `plugins.${key} is not a plugin slot; expected one of ${Object.keys(PLUGIN_KIND_CONTRACTS).join(", ")}.`,
        { details: { plugin: `plugins.${key}` } },
      );
    }
    if (value === undefined) continue;
    const kind = key as PluginKind;
    const contract = PLUGIN_KIND_CONTRACTS[kind];
    if (LIST_KINDS.has(kind)) {
      if (!Array.isArray(value)) {
        throw new ConfigError(
          `plugins.${key} must be an array of ${contract} plugins, got ${describe(value)}.`,
          {
            details: { plugin: `plugins.${key}`, contract },
          },
        );
      }
      for (const [index, item] of (value as unknown[]).entries()) {
        validatePlugin(contract, item, `plugins.${key}[${index}]`);
      }
    } else {
      validatePlugin(contract, value, `plugins.${key}`);
    }
  }
  return plugins;
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  return typeof value === "object" ? "an object" : `${typeof value} ${String(value)}`;
}
