/**
 * A phone bank's numbers and its calls as rows, for dashboards, `precinct phonebank status` and exports.
 *
 * @module
 */
import type { OutreachContext } from "../outreach/context.js";
import type { Campaign } from "../spec/model/outreach.js";
import { fromBool } from "../storage/codec.js";
import type { AbandonmentStats } from "./pacing.js";
import type { CallResultRow, PhoneBankReport } from "./types.js";

/** @internal Where a phone bank stands (see `phonebanks.report`). */
export async function phoneBankReport(
  ctx: OutreachContext,
  campaign: Campaign,
  abandonment: AbandonmentStats,
): Promise<PhoneBankReport> {
  const contacts: Record<string, number> = {};
  const blocked: Record<string, number> = {};
  const results: Record<string, number> = {};
  const byState = await ctx.db
    .selectFrom("phonebankContact")
    .select(["state", "reason", "result", (eb) => eb.fn.countAll().as("n")])
    .where("organizationId", "=", ctx.organizationId)
    .where("campaignId", "=", campaign.id)
    .groupBy(["state", "reason", "result"])
    .execute();
  for (const row of byState) {
    const n = Number(row.n);
    contacts[row.state] = (contacts[row.state] ?? 0) + n;
    if (row.state === "blocked")
      blocked[row.reason ?? "unknown"] = (blocked[row.reason ?? "unknown"] ?? 0) + n;
    if (row.result) results[row.result] = (results[row.result] ?? 0) + n;
  }
  const dispositions: Record<string, number> = {};
  let calls = 0;
  const byDisposition = await ctx.db
    .selectFrom("call")
    .select(["disposition", (eb) => eb.fn.countAll().as("n")])
    .where("organizationId", "=", ctx.organizationId)
    .where("campaignId", "=", campaign.id)
    .where("leg", "=", "contact")
    .groupBy("disposition")
    .execute();
  for (const row of byDisposition) {
    calls += Number(row.n);
    dispositions[row.disposition ?? "in_progress"] = Number(row.n);
  }
  const sessions: Record<string, number> = {};
  const bySession = await ctx.db
    .selectFrom("phonebankSession")
    .select(["state", (eb) => eb.fn.countAll().as("n")])
    .where("organizationId", "=", ctx.organizationId)
    .where("campaignId", "=", campaign.id)
    .groupBy("state")
    .execute();
  for (const row of bySession) sessions[row.state] = Number(row.n);
  const responses = await ctx.db
    .selectFrom("surveyResponse")
    .innerJoin("interaction", "interaction.id", "surveyResponse.interactionId")
    .select((eb) => eb.fn.countAll().as("n"))
    .where("interaction.organizationId", "=", ctx.organizationId)
    .where("interaction.campaignId", "=", campaign.id)
    .executeTakeFirstOrThrow();
  const optOuts = await ctx.db
    .selectFrom("consentEvent")
    .select((eb) => eb.fn.countAll().as("n"))
    .where("organizationId", "=", ctx.organizationId)
    .where("campaignId", "=", campaign.id)
    .where("channel", "=", "voice")
    .where("kind", "=", "opt_out")
    .executeTakeFirstOrThrow();
  return {
    campaign,
    contacts,
    blocked,
    results,
    calls,
    dispositions,
    abandonment,
    sessions,
    surveyResponses: Number(responses.n),
    optOuts: Number(optOuts.n),
  };
}

/** @internal Every contact call of a phone bank with its outcome, in the order placed, page by page. */
export async function* callResults(
  ctx: OutreachContext,
  campaignId: string,
  requestedPageSize: number,
): AsyncGenerator<CallResultRow> {
  const pageSize = Math.min(Math.max(requestedPageSize, 1), 5000);
  let after: { startedAt: string; id: string } | null = null;
  for (;;) {
    let query = ctx.db
      .selectFrom("call")
      .leftJoin("phonebankContact", "phonebankContact.id", "call.contactId")
      .leftJoin("interaction", "interaction.id", "call.interactionId")
      .select([
        "call.id",
        "call.attempt",
        "call.to",
        "call.personId",
        "call.volunteerId",
        "call.startedAt",
        "call.answeredAt",
        "call.endedAt",
        "call.status",
        "call.answeredBy",
        "call.disposition",
        "call.abandoned",
        "call.durationSeconds",
        "call.interactionId",
        "phonebankContact.givenName",
        "phonebankContact.familyName",
        "interaction.notes",
      ])
      .where("call.organizationId", "=", ctx.organizationId)
      .where("call.campaignId", "=", campaignId)
      .where("call.leg", "=", "contact");
    if (after) {
      const { startedAt, id } = after;
      query = query.where((eb) =>
        eb.or([
          eb("call.startedAt", ">", startedAt),
          eb.and([eb("call.startedAt", "=", startedAt), eb("call.id", ">", id)]),
        ]),
      );
    }
    const rows = await query.orderBy("call.startedAt").orderBy("call.id").limit(pageSize).execute();
    if (rows.length === 0) return;
    const interactionIds = rows.map((r) => r.interactionId).filter((id): id is string => id !== null);
    const answers = new Map<string, string[]>();
    if (interactionIds.length > 0) {
      const found = await ctx.db
        .selectFrom("surveyResponse")
        .select(["interactionId", "questionId", "value"])
        .where("organizationId", "=", ctx.organizationId)
        .where("interactionId", "in", interactionIds)
        .orderBy("questionId")
        .execute();
      for (const answer of found) {
        const list = answers.get(answer.interactionId!) ?? [];
        list.push(`${answer.questionId}=${answer.value}`);
        answers.set(answer.interactionId!, list);
      }
    }
    for (const row of rows) {
      yield {
        callId: row.id,
        attempt: Number(row.attempt),
        phone: row.to,
        personId: row.personId,
        givenName: row.givenName ?? null,
        familyName: row.familyName ?? null,
        volunteerId: row.volunteerId,
        startedAt: row.startedAt,
        answeredAt: row.answeredAt,
        endedAt: row.endedAt,
        status: row.status,
        answeredBy: row.answeredBy,
        disposition: row.disposition,
        abandoned: fromBool(row.abandoned),
        durationSeconds: row.durationSeconds === null ? null : Number(row.durationSeconds),
        responses: (row.interactionId ? (answers.get(row.interactionId) ?? []) : []).join("; "),
        notes: row.notes ?? null,
      };
    }
    const last = rows[rows.length - 1]!;
    after = { startedAt: last.startedAt ?? "", id: last.id };
    if (rows.length < pageSize) return;
  }
}
