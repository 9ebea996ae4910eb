/**
 * The quiet-hours policy an organization or campaign sets on top of the law. It can only tighten: the
 * engine intersects it with the federal floor and the recipient's state rule, so a policy that asks for
 * 07:00–22:00 still gets the law's 08:00–21:00.
 *
 * @module
 */

import { z } from "zod";
import { isUsStateCode } from "../../normalize/us-states.js";
import { InvalidInputError } from "../../spec/errors.js";
import { clockMinutes } from "./rules.js";

/** The parts of a rule a policy may tighten: everything but the citation. */
export interface QuietHoursRuleOverride {
  /** Earliest local time to send, `HH:MM` (24-hour). Later than the law's start tightens it. */
  readonly start?: string;
  /** Local time sending stops, `HH:MM` (exclusive). Earlier than the law's end tightens it. */
  readonly end?: string;
  /** No messages on Sundays. `false` cannot lift a state's Sunday ban. */
  readonly noSundays?: boolean;
  /** No messages on US federal holidays. `false` cannot lift a state's holiday ban. */
  readonly noHolidays?: boolean;
  /** At most this many messages per person in any 24 hours. A larger number than the law's is ignored. */
  readonly maxPerPersonPer24h?: number;
}

/**
 * A quiet-hours policy as the functions of this module accept it: rules for everyone, plus tighter ones
 * per state. The campaign model's `QuietHoursPolicy` (what a campaign stores) fits it as is; this shape
 * also takes a top-level `maxPerPersonPer24h`, which campaigns keep as `frequencyCapPer24h` instead.
 * (It has its own name because `QuietHoursPolicy` is the model's.)
 */
export interface QuietHoursPolicyInput extends QuietHoursRuleOverride {
  /** Tightening for recipients in one state, by two-letter code (`{ FL: { end: "19:00" } }`). */
  readonly states?: Readonly<Record<string, QuietHoursRuleOverride>>;
}

const ClockTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/u, "expected a local time as HH:MM (24-hour)");

const RuleOverride = z
  .object({
    start: ClockTime.optional(),
    end: ClockTime.optional(),
    noSundays: z.boolean().optional(),
    noHolidays: z.boolean().optional(),
    maxPerPersonPer24h: z.number().int().positive().optional(),
  })
  .strict()
  .superRefine((rule, ctx) => {
    if (
      rule.start !== undefined &&
      rule.end !== undefined &&
      clockMinutes(rule.start) >= clockMinutes(rule.end)
    ) {
      ctx.addIssue({ code: "custom", path: ["end"], message: `must be later than start ${rule.start}` });
    }
  });

/**
 * The zod schema of {@link QuietHoursPolicyInput}: `HH:MM` times (24-hour) with `start` before `end`, a
 * positive integer cap, state keys that are USPS codes, no unknown keys. Prefer
 * {@link parseQuietHoursPolicy}, which throws an `InvalidInputError` naming the field.
 */
export const QuietHoursPolicySchema: z.ZodType<QuietHoursPolicyInput> = z
  .object({
    start: ClockTime.optional(),
    end: ClockTime.optional(),
    noSundays: z.boolean().optional(),
    noHolidays: z.boolean().optional(),
    maxPerPersonPer24h: z.number().int().positive().optional(),
    states: z
      .record(
        z.string().refine(isUsStateCode, "expected a two-letter USPS state code in upper case, like FL"),
        RuleOverride,
      )
      .optional(),
  })
  .strict()
  .superRefine((policy, ctx) => {
    if (
      policy.start !== undefined &&
      policy.end !== undefined &&
      clockMinutes(policy.start) >= clockMinutes(policy.end)
    ) {
      ctx.addIssue({ code: "custom", path: ["end"], message: `must be later than start ${policy.start}` });
    }
  });

/**
 * Validates a quiet-hours policy and returns it.
 *
 * @param input - The policy, e.g. from a campaign's JSON.
 * @param field - The name of the policy in error messages (default `policy`).
 * @throws {@link InvalidInputError} naming the first invalid field, e.g. `policy.start` for `"7pm"`,
 *   `policy.states.FL.end` for an end before its start, `policy.states.Florida` for a key that is not a
 *   state code.
 */
export function parseQuietHoursPolicy(input: unknown, field = "policy"): QuietHoursPolicyInput {
  const result = QuietHoursPolicySchema.safeParse(input);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const path = issue.path.map(String);
  let value: unknown = input;
  for (const key of issue.path) {
    value =
      value !== null && typeof value === "object" ? (value as Record<PropertyKey, unknown>)[key] : undefined;
  }
  if (issue.code === "unrecognized_keys") {
    const key = issue.keys[0]!;
    throw new InvalidInputError({
      field: [field, ...path, key].join("."),
      value: (value as Record<string, unknown>)[key],
      reason: `is not a quiet-hours setting (settings: start, end, noSundays, noHolidays, maxPerPersonPer24h${path.length === 0 ? ", states" : ""})`,
    });
  }
  if (issue.code === "invalid_key") {
    // A bad key under `states`: the path ends at the key itself, which is also the offending value.
    throw new InvalidInputError({
      field: [field, ...path].join("."),
      value: path[path.length - 1],
      reason: "is not a two-letter USPS state code in upper case, like FL",
    });
  }
  throw new InvalidInputError({ field: [field, ...path].join("."), value, reason: issue.message });
}
