/**
 * Building a phone bank's call list from its audience: one contact per phone number, each checked against
 * the do-not-call list, the consent policy and numbers known to be wrong or disconnected. Landlines stay
 * on the list: unlike texts, calls reach them.
 *
 * @module
 */

import type { OutreachContext } from "../outreach/context.js";
import { recipientLocation } from "../outreach/gate.js";
import type { SegmentMember } from "../segments/segment-member.js";
import type { SegmentTarget } from "../segments/segment-repository.js";
import { InvalidInputError } from "../spec/errors.js";
import type { Campaign } from "../spec/model/outreach.js";
import { newId } from "../storage/codec.js";
import type { PhonebankContactTable } from "../storage/schema.js";
import { unreachableNumbers, voiceConsentVerdict } from "./call-gate.js";
import type { CallListResult, ContactBlockReason } from "./types.js";

/** The audience of a campaign as the segment repository wants it. */
export function audienceOf(campaign: Campaign): [SegmentTarget, { universe: "voters" | "people" }] {
  const { segmentId, listId } = campaign.audience;
  if (segmentId) return [segmentId, { universe: "voters" }];
  if (listId) return [{ lists: [listId] } as SegmentTarget, { universe: "people" }];
  throw new InvalidInputError({
    field: "audience",
    value: campaign.audience,
    reason: "a phone bank needs an audience: a segmentId or a listId",
  });
}

/**
 * @internal Writes the call list. Idempotent: a contact is unique per (campaign, phone), so building it
 * again after a crash writes nothing twice.
 */
export async function buildCallList(ctx: OutreachContext, campaign: Campaign): Promise<CallListResult> {
  const result = {
    audience: 0,
    queued: 0,
    blocked: {} as Partial<Record<ContactBlockReason, number>>,
    noPhone: 0,
    duplicatePhone: 0,
  };
  const seen = new Set<string>();
  const at = ctx.clock().toISOString();
  const startAt =
    campaign.schedule.startAt && campaign.schedule.startAt > at ? campaign.schedule.startAt : at;

  let batch: SegmentMember[] = [];
  const flush = async () => {
    const members = batch;
    batch = [];
    const withPhone = members.filter((m): m is SegmentMember & { phone: string } => {
      if (!m.phone) {
        result.noPhone += 1;
        return false;
      }
      if (seen.has(m.phone)) {
        result.duplicatePhone += 1;
        return false;
      }
      seen.add(m.phone);
      return true;
    });
    const phones = withPhone.map((m) => m.phone);
    const consent = await ctx.consent.currentStatuses("voice", phones);
    const unreachable = await unreachableNumbers(
      ctx,
      withPhone.map((m) => ({ phone: m.phone, personId: m.personId })),
    );
    const rows: PhonebankContactTable[] = withPhone.map((member) => {
      const location = recipientLocation(ctx, {
        region: member.region,
        postalCode: member.zip,
        phone: member.phone,
      });
      let reason: ContactBlockReason | null = voiceConsentVerdict(
        campaign.policy,
        consent.get(member.phone) ?? "unknown",
      );
      if (!reason && unreachable.has(member.phone)) reason = "unreachable_number";
      if (reason) result.blocked[reason] = (result.blocked[reason] ?? 0) + 1;
      else result.queued += 1;
      return {
        id: newId(),
        organizationId: ctx.organizationId,
        campaignId: campaign.id,
        personId: member.personId,
        voterId: member.voterId,
        phone: member.phone,
        givenName: member.givenName,
        familyName: member.familyName,
        county: member.county,
        precinct: member.precinct,
        zip: member.zip,
        region: location.state,
        timeZone: location.timeZone,
        state: reason ? "blocked" : "ready",
        reason,
        result: null,
        attempts: 0,
        nextAttemptAt: startAt,
        sessionId: null,
        leaseUntil: null,
        lastCallId: null,
        createdAt: at,
        updatedAt: at,
      };
    });
    for (let start = 0; start < rows.length; start += 500) {
      const chunk = rows.slice(start, start + 500);
      if (chunk.length === 0) continue;
      await ctx.db
        .insertInto("phonebankContact")
        .values(chunk)
        .onConflict((oc) => oc.columns(["campaignId", "phone"]).doNothing())
        .execute();
    }
  };

  const [target, options] = audienceOf(campaign);
  for await (const member of ctx.segments.members(target, {
    ...options,
    fields: ["givenName", "familyName", "county", "precinct", "zip", "region", "phone"],
    batchSize: 1000,
  })) {
    result.audience += 1;
    batch.push(member as SegmentMember);
    if (batch.length >= 1000) await flush();
  }
  if (batch.length > 0) await flush();
  return result;
}
