/**
 * What a volunteer records for a call, checked: a VAN-style result code, or survey responses and tags —
 * never both.
 *
 * @module
 */
import { InvalidInputError } from "../spec/errors.js";
import type { SurveyQuestion } from "../spec/model/outreach.js";
import {
  CONTACTED,
  isResultCode,
  RESULT_CODES,
  VOLUNTEER_RESULT_CODES,
  type VolunteerResultCode,
} from "./result-codes.js";
import type { CallOutcomeInput, SurveyAnswerInput } from "./types.js";

/** @internal A checked outcome. */
export interface ParsedOutcome {
  readonly code: VolunteerResultCode | typeof CONTACTED;
  readonly responses?: SurveyAnswerInput[];
  readonly tags?: string[];
  readonly callbackAt?: string;
}

/**
 * @internal Checks an outcome against the phone bank's questions: exactly one of a result code (a
 * volunteer's; `callback_requested` with a future `callbackAt`) or survey responses (each question once,
 * choice answers among its response keys) with tags.
 *
 * @throws {@link InvalidInputError} naming the field.
 */
export function parseOutcome(
  questions: readonly SurveyQuestion[],
  outcome: CallOutcomeInput,
  now: Date,
): ParsedOutcome {
  if (typeof outcome !== "object" || outcome === null) {
    throw new InvalidInputError({
      field: "outcome",
      value: outcome,
      reason: "expected a result code or survey responses",
    });
  }
  // Plain JavaScript callers can send anything: look at the fields, not at the declared union.
  const given = outcome as Readonly<Record<string, unknown>>;
  const hasCode = given.resultCode !== undefined && given.resultCode !== null;
  const hasSurvey =
    (given.responses !== undefined && given.responses !== null) ||
    (given.tags !== undefined && given.tags !== null);
  if (hasCode === hasSurvey) {
    throw new InvalidInputError({
      field: "outcome",
      value: outcome,
      reason: hasCode
        ? "a call's outcome is a result code or survey responses and tags, never both"
        : "give a result code, or survey responses (and tags)",
    });
  }
  if (hasCode) {
    const code = outcome.resultCode;
    if (!isResultCode(code) || !RESULT_CODES[code].volunteer) {
      throw new InvalidInputError({
        field: "resultCode",
        value: code,
        reason: `not a result code volunteers record (one of ${VOLUNTEER_RESULT_CODES.join(", ")})`,
      });
    }
    if (code === "callback_requested") {
      const when = outcome.callbackAt ? new Date(outcome.callbackAt) : null;
      if (!when || Number.isNaN(when.getTime()) || when <= now) {
        throw new InvalidInputError({
          field: "callbackAt",
          value: outcome.callbackAt,
          reason: "a callback needs a time in the future (ISO 8601)",
        });
      }
      return { code, callbackAt: when.toISOString() };
    }
    if (outcome.callbackAt !== undefined) {
      throw new InvalidInputError({
        field: "callbackAt",
        value: outcome.callbackAt,
        reason: "only goes with the result code callback_requested",
      });
    }
    return { code };
  }
  const responses = [...(outcome.responses ?? [])];
  if (!Array.isArray(outcome.responses ?? [])) {
    throw new InvalidInputError({
      field: "responses",
      value: outcome.responses,
      reason: "expected a list",
    });
  }
  const byId = new Map(questions.map((q) => [q.id, q]));
  const seen = new Set<string>();
  responses.forEach((answer, index) => {
    const question = byId.get(answer?.questionId);
    if (!question) {
      throw new InvalidInputError({
        field: `responses.${index}.questionId`,
        value: answer?.questionId,
        reason: "not a question of this phone bank's script",
      });
    }
    if (seen.has(question.id)) {
      throw new InvalidInputError({
        field: `responses.${index}.questionId`,
        value: question.id,
        reason: "answered twice",
      });
    }
    seen.add(question.id);
    const value = typeof answer.value === "string" ? answer.value.trim() : "";
    if (!value) {
      throw new InvalidInputError({
        field: `responses.${index}.value`,
        value: answer.value,
        reason: "is empty",
      });
    }
    if (question.kind === "single_choice" || question.kind === "multiple_choice") {
      const keys = new Set(question.responses.map((r) => r.key));
      const given = question.kind === "multiple_choice" ? value.split(",").map((v) => v.trim()) : [value];
      const wrong = given.find((v) => !keys.has(v));
      if (wrong !== undefined) {
        throw new InvalidInputError({
          field: `responses.${index}.value`,
          value: answer.value,
          reason: `"${wrong}" is not a response of "${question.prompt}" (${[...keys].join(", ")})`,
        });
      }
    }
  });
  const tags = [...new Set((outcome.tags ?? []).map((t) => String(t).trim()).filter(Boolean))];
  return {
    code: CONTACTED,
    responses: responses.map((r) => ({ questionId: r.questionId, value: r.value.trim() })),
    tags,
  };
}
