/**
 * Campaigns: create (templates and policy checked up front), estimate, preview, launch (the audience is
 * gated and written to the outbox), pause, resume, cancel and report.
 *
 * @module
 */
import type { z } from "zod";
import type { SegmentMember } from "../segments/segment-member.js";
import type { SegmentTarget } from "../segments/segment-repository.js";
import { hasCapability } from "../spec/contracts/plugins.js";
import { type SmsEncoding, smsSegments } from "../spec/contracts/sms-segments.js";
import { InvalidInputError, NotFoundError, PrecinctError } from "../spec/errors.js";
import { Campaign } from "../spec/model/outreach.js";
import { newId, parseInput } from "../storage/codec.js";
import { EntityRepository, type ListOptions } from "../storage/repositories/entity-repository.js";
import type { OutreachContext } from "./context.js";
import type { Dispatcher } from "./dispatcher.js";
import {
  type EmailFooter,
  emailTemplates,
  substitute,
  substitutionsFor,
  taggedEmail,
} from "./email/content.js";
import { parseEmailSender, requireEmailSettings, unsubscribeUrl } from "./email/settings.js";
import { type BlockReason, ComplianceGate, consentVerdict, recipientLocation } from "./gate.js";
import { MERGE_FIELD_NAMES, mergeValues, TEXTER_PLACEHOLDER } from "./merge-fields.js";
import { campaignKey, type NewOutboxRow, OutboxWriter } from "./outbox.js";
import {
  parseQuietHoursPolicy,
  QUIET_HOURS_RULES,
  type RecipientLocation,
  sendingWindow,
} from "./quiet-hours/index.js";
import { type ParsedTemplate, parseTemplate, renderTemplate } from "./templates/index.js";

/** What `campaigns.create()` accepts. */
export type CampaignInput = Omit<
  z.input<typeof Campaign>,
  "id" | "organizationId" | "createdAt" | "updatedAt" | "status" | "pausedReason" | "launchedAt"
>;

/** Options of the campaign service. */
export interface CampaignOptions {
  /** Price of one SMS segment for cost estimates, in `currency`. Default 0.0083 (USD, Twilio's US list price). */
  readonly costPerSegment?: number;
  /** Currency of {@link CampaignOptions.costPerSegment}. Default `USD`. */
  readonly currency?: string;
}

/** A cost and size estimate of a campaign. */
export interface CampaignEstimate {
  /** Audience members (voters or people) the audience selects. */
  readonly audience: number;
  /** The template's encoding with placeholder values: one non-GSM character makes it UCS-2. */
  readonly encoding: SmsEncoding;
  /** Segments of the template rendered with typical values. */
  readonly segmentsPerMessage: number;
  /** `audience × segmentsPerMessage`: an upper bound, since some members will be blocked. */
  readonly estimatedSegments: number;
  /** Estimated cost. */
  readonly estimatedCost: { readonly amount: number; readonly currency: string; readonly perSegment: number };
}

/** One rendered message of a preview. */
export interface PreviewMessage {
  /** The recipient's number, or null when the member has none. */
  readonly to: string | null;
  /** The recipient's name. */
  readonly name: string | null;
  /** The rendered text. */
  readonly body: string;
  /** Segments of this text (SMS; 0 for email). */
  readonly segments: number;
  /** GSM-7 or UCS-2 (SMS; null for email). */
  readonly encoding: SmsEncoding | null;
  /** Merge fields without a value and without a fallback: this member would be blocked. */
  readonly missing: readonly string[];
  /** Email campaigns: the rendered subject (and `body` is the rendered text, or HTML without a text part). */
  readonly subject?: string;
  /** Email campaigns: the rendered text part with its footer, when the campaign has one. */
  readonly text?: string | null;
  /** Email campaigns: the rendered HTML part with its footer, when the campaign has one. */
  readonly html?: string | null;
}

/** What `campaigns.launch()` wrote to the outbox. */
export interface LaunchResult {
  /** Audience members read. */
  readonly audience: number;
  /** Rows ready to send now (blast) or to hand to texters (P2P). */
  readonly queued: number;
  /** Rows postponed to the recipient's next sending window. */
  readonly waiting: number;
  /** Rows the gate refused, by reason. */
  readonly blocked: Readonly<Partial<Record<BlockReason, number>>>;
  /** Members without a phone number (no row is written: there is nothing to send). */
  readonly noPhone: number;
  /** Email campaigns: members without a deliverable email address (no row is written). */
  readonly noEmail?: number;
}

/** Where a campaign stands. */
export interface CampaignReport {
  /** The campaign. */
  readonly campaign: Campaign;
  /** Outbox rows by state. */
  readonly outbox: Readonly<Record<string, number>>;
  /** Blocked rows by reason. */
  readonly blocked: Readonly<Record<string, number>>;
  /** Failed rows by reason. */
  readonly failed: Readonly<Record<string, number>>;
  /** Texts the provider took. */
  readonly sent: number;
  /** Sent texts by their current status (`delivered`, `undelivered`, …). */
  readonly statuses: Readonly<Record<string, number>>;
  /** Texts received in this campaign's conversations. */
  readonly replies: number;
  /** Opt-outs attributed to this campaign. */
  readonly optOuts: number;
  /** Segments sent. */
  readonly segments: number;
}

/**
 * The campaigns of one organization. Available as `precinct.campaigns`.
 *
 * @example
 * ```ts
 * const campaign = await precinct.campaigns.create({
 *   name: "Early vote reminder",
 *   channel: "sms",
 *   mode: "blast",
 *   audience: { segmentId: segment.id },
 *   template: { body: "Hi {{givenName|there}}, early voting starts Thursday! Reply STOP to opt out." },
 *   policy: { consent: "opt_in_required" },
 * });
 * console.log(await precinct.campaigns.preview(campaign.id));
 * await precinct.campaigns.launch(campaign.id);
 * await precinct.dispatcher().drain();
 * ```
 */
export class CampaignService {
  readonly #ctx: OutreachContext;
  readonly #rows: EntityRepository<typeof Campaign>;
  readonly #gate: ComplianceGate;
  readonly #costPerSegment: number;
  readonly #currency: string;
  readonly #dispatchers: () => readonly Dispatcher[];

  /** @internal Created by `createPrecinct()`. */
  constructor(ctx: OutreachContext, dispatchers: () => readonly Dispatcher[], options: CampaignOptions = {}) {
    this.#ctx = ctx;
    this.#dispatchers = dispatchers;
    this.#rows = new EntityRepository(ctx.db, ctx.dialect, ctx.organizationId, {
      entity: "Campaign",
      table: "campaign",
      schema: Campaign,
      json: ["audience", "template", "schedule", "policy", "script"],
    });
    this.#gate = new ComplianceGate(ctx);
    this.#costPerSegment = options.costPerSegment ?? 0.0083;
    this.#currency = options.currency ?? "USD";
  }

  /**
   * Creates a draft campaign. Everything that can be checked before sending is checked now: the template's
   * merge fields (an unknown field is an error naming it and its position), the canned responses, the
   * audience (the segment or list must exist), and the consent policy (a blast requires an opt-in).
   *
   * @throws {@link InvalidInputError} naming the field.
   */
  async create(input: CampaignInput): Promise<Campaign> {
    const data = parseInput(
      Campaign.omit({ id: true, organizationId: true, createdAt: true, updatedAt: true }).strict(),
      { ...input, status: "draft" },
    );
    const explicitConsent = (input.policy as { consent?: string } | undefined)?.consent;
    if (data.channel === "email") {
      // Email is opt-out law (CAN-SPAM): a list may be mailed until someone unsubscribes, when the
      // campaign says so explicitly; otherwise only subscribers get it.
      if (explicitConsent === undefined) data.policy.consent = "opt_in_required";
    } else if (data.mode === "blast") {
      if (explicitConsent === "not_opted_out") {
        throw new InvalidInputError({
          field: "policy.consent",
          value: explicitConsent,
          reason: 'blast sends require prior express consent: use "opt_in_required" (or mode "p2p")',
        });
      }
      data.policy.consent = "opt_in_required";
    }
    await this.#validate(data);
    return this.#rows.create({ ...data, status: "draft" });
  }

  /** The campaign with this id, or null. */
  get(id: string): Promise<Campaign | null> {
    return this.#rows.get(id);
  }

  /** The campaign with this id; throws `NotFoundError` otherwise. */
  async require(id: string): Promise<Campaign> {
    const found = await this.#rows.get(id);
    if (!found) throw new NotFoundError("Campaign", id);
    return found;
  }

  /** Campaigns of this organization. */
  list(options: ListOptions<Campaign> = {}): Promise<Campaign[]> {
    return this.#rows.list(options);
  }

  /**
   * Changes a draft campaign (templates and policy are checked again). A launched campaign cannot be
   * edited: its messages are already in the outbox.
   */
  async update(id: string, patch: Partial<CampaignInput>): Promise<Campaign> {
    const current = await this.require(id);
    if (current.status !== "draft") {
      throw new PrecinctError({
        code: "conflict",
        message: `Campaign ${id} is ${current.status}; only a draft can be edited.`,
      });
    }
    const { id: _id, organizationId: _org, createdAt: _c, updatedAt: _u, ...rest } = current;
    const merged = parseInput(
      Campaign.omit({ id: true, organizationId: true, createdAt: true, updatedAt: true }).strict(),
      { ...rest, ...patch },
    );
    if (merged.mode === "blast" && merged.policy.consent !== "opt_in_required") {
      throw new InvalidInputError({
        field: "policy.consent",
        value: merged.policy.consent,
        reason: 'blast sends require prior express consent: use "opt_in_required" (or mode "p2p")',
      });
    }
    await this.#validate(merged);
    return this.#rows.update(id, patch);
  }

  /** Deletes a draft campaign. Launched campaigns are kept: they are the record of what was sent. */
  async delete(id: string): Promise<boolean> {
    const current = await this.get(id);
    if (!current) return false;
    if (current.status !== "draft") {
      throw new PrecinctError({
        code: "conflict",
        message: `Campaign ${id} was launched; cancel it instead of deleting it (its messages are the record of what was sent).`,
      });
    }
    return this.#rows.delete(id);
  }

  /** How many the audience holds, how many segments a message takes, and what it would cost. */
  async estimate(id: string): Promise<CampaignEstimate> {
    const campaign = await this.require(id);
    const template = this.#template(campaign);
    const audience = await this.#ctx.segments.count(...this.#audience(campaign));
    const sample = renderTemplate(template, {
      givenName: "Alexandria",
      familyName: "Washington",
      fullName: "Alexandria Washington",
      county: "Mecklenburg",
      precinct: "P-123",
      zip: "27701",
      organization: this.#ctx.organization().name,
      texterName: "Jordan",
    });
    const info = smsSegments(sample.text);
    const estimatedSegments = audience * info.segments;
    return {
      audience,
      encoding: info.encoding,
      segmentsPerMessage: info.segments,
      estimatedSegments,
      estimatedCost: {
        amount: Math.round(estimatedSegments * this.#costPerSegment * 100) / 100,
        currency: this.#currency,
        perSegment: this.#costPerSegment,
      },
    };
  }

  /** The first `limit` messages as the audience's first members would receive them. */
  async preview(
    id: string,
    options: {
      limit?: number;
      /**
       * Email: shown in place of each recipient's signed unsubscribe link. Default: the real link when
       * `email` settings are configured, else a placeholder.
       */
      unsubscribeUrl?: string;
    } = {},
  ): Promise<PreviewMessage[]> {
    const campaign = await this.require(id);
    if (campaign.channel === "email")
      return this.#previewEmail(campaign, options.limit ?? 5, options.unsubscribeUrl);
    const template = this.#template(campaign);
    const limit = options.limit ?? 5;
    const previews: PreviewMessage[] = [];
    for await (const member of this.#ctx.segments.members(this.#audience(campaign)[0], {
      ...this.#audience(campaign)[1],
      fields: ["givenName", "familyName", "county", "precinct", "zip", "phone"],
      batchSize: Math.max(1, Math.min(limit, 1000)),
    })) {
      const rendered = renderTemplate(
        template,
        mergeValues(member, {
          organization: this.#ctx.organization().name,
          // Who texts is known only when a texter sends it.
          texterName: campaign.mode === "p2p" ? "[texter's name]" : null,
        }),
      );
      const info = smsSegments(rendered.text);
      previews.push({
        to: member.phone,
        name: [member.givenName, member.familyName].filter(Boolean).join(" ") || null,
        body: rendered.text,
        segments: info.segments,
        encoding: info.encoding,
        missing: rendered.missing,
      });
      if (previews.length >= limit) break;
    }
    return previews;
  }

  /**
   * Writes the campaign's messages to the outbox and starts it. Each audience member is gated now: opted
   * out, no consent (blasts), landlines, unreachable numbers, a second member on the same phone and
   * missing merge fields are recorded as blocked with their reason; members outside their quiet hours wait
   * for their next window. A blast's rows are then sent by the dispatcher; a P2P campaign's rows wait for
   * texters (`precinct.p2p`). Idempotent: launching again after a crash writes nothing twice.
   */
  async launch(id: string): Promise<LaunchResult> {
    const ctx = this.#ctx;
    const campaign = await this.require(id);
    if (campaign.status !== "draft" && campaign.status !== "scheduled") {
      throw new PrecinctError({ code: "conflict", message: `Campaign ${id} is already ${campaign.status}.` });
    }
    if (campaign.channel === "email") return this.#launchEmail(campaign);
    if (campaign.channel !== "sms") {
      throw new PrecinctError({
        code: "unsupported_capability",
        message: `Campaign ${id} is a ${campaign.channel} campaign; launch phone banks with precinct.phonebanks.`,
      });
    }
    const template = this.#template(campaign);
    const policy = campaign.policy;
    const organization = ctx.organization().name;
    const transport = ctx.plugins.sms;
    const lookup =
      policy.lookupLineTypes && transport && hasCapability(transport, "lookup") ? transport : null;
    const startAt = campaign.schedule.startAt ? new Date(campaign.schedule.startAt) : null;
    const result = {
      audience: 0,
      queued: 0,
      waiting: 0,
      blocked: {} as Partial<Record<BlockReason, number>>,
      noPhone: 0,
    };
    const seen = new Set<string>();
    const at = ctx.clock().toISOString();
    const writer = new OutboxWriter(ctx.db, ctx.dialect, ctx.organizationId, at);

    let batch: SegmentMember[] = [];
    const flush = async () => {
      const members = batch;
      batch = [];
      const phones = [...new Set(members.map((m) => m.phone).filter((p): p is string => p !== null))];
      const consent = await ctx.consent.currentStatuses("sms", phones);
      const lineTypes = await this.#gate.lineTypes(phones);
      const rows: NewOutboxRow[] = [];
      for (const member of members) {
        const phone = member.phone;
        if (!phone) {
          result.noPhone += 1;
          continue;
        }
        const rendered = renderTemplate(
          template,
          mergeValues(member, {
            organization,
            texterName: campaign.mode === "p2p" ? TEXTER_PLACEHOLDER : null,
          }),
        );
        const location = recipientLocation(ctx, { region: member.region, postalCode: member.zip, phone });
        const duplicate = seen.has(phone);
        seen.add(phone);
        let lineType = lineTypes.get(phone);
        if (!lineType && lookup && !duplicate) {
          try {
            lineType = (await lookup.lookup(phone)).lineType;
            await this.#gate.rememberLineType(phone, lineType, "lookup");
          } catch {
            // A failed lookup leaves the type unknown: the send is not blocked on our own error.
          }
        }
        let reason: BlockReason | null = null;
        if (duplicate && policy.householdDedupe) reason = "duplicate_phone";
        else reason = consentVerdict(policy, consent.get(phone) ?? "unknown");
        if (!reason && lineType === "unreachable") reason = "unreachable_number";
        if (!reason && lineType === "landline" && policy.excludeLandlines) reason = "landline";
        if (!reason && rendered.missing.length > 0) reason = "missing_merge_field";
        const subject = {
          contactPoint: phone,
          personId: member.personId,
          region: location.state,
          timeZone: location.timeZone,
        };
        const key =
          reason === "duplicate_phone" || (duplicate && !policy.householdDedupe)
            ? `${campaignKey(campaign.id, phone, 1)}:${member.voterId ?? member.personId ?? newId()}`
            : campaignKey(campaign.id, phone, 1);
        const common = {
          campaignId: campaign.id,
          kind: campaign.mode === "p2p" ? ("p2p" as const) : ("campaign" as const),
          step: 1,
          idempotencyKey: key,
          personId: member.personId,
          voterId: member.voterId,
          contactPoint: phone,
          sender: campaign.sender,
          body: rendered.text,
          segments: smsSegments(rendered.text).segments,
          region: location.state,
          timeZone: location.timeZone,
        };
        if (reason) {
          result.blocked[reason] = (result.blocked[reason] ?? 0) + 1;
          rows.push({
            ...common,
            state: "blocked",
            reason:
              reason === "missing_merge_field" ? `missing_merge_field:${rendered.missing.join(",")}` : reason,
            sendAfter: null,
          });
          continue;
        }
        if (campaign.mode === "p2p") {
          result.queued += 1;
          rows.push({ ...common, state: "unassigned", sendAfter: null });
          continue;
        }
        const when = startAt && startAt > ctx.clock() ? startAt : ctx.clock();
        const timing = this.#gate.timing(subject, policy, when);
        if (timing.verdict === "wait") {
          result.waiting += 1;
          rows.push({
            ...common,
            state: "waiting",
            reason: timing.reason,
            sendAfter: timing.until.toISOString(),
          });
        } else {
          result.queued += 1;
          rows.push({ ...common, state: "pending", sendAfter: when.toISOString() });
        }
      }
      await writer.add(rows);
    };
    result.audience = await this.#stream(campaign, "phone", (members) => {
      batch = members;
      return flush();
    });
    await writer.flush();
    await this.#markRunning(campaign.id, at);
    return result;
  }

  /** Streams the audience with the contact point `field` to `flush` in chunks; returns how many. */
  async #stream(
    campaign: Campaign,
    field: "phone" | "email",
    flush: (members: SegmentMember[]) => Promise<void>,
  ): Promise<number> {
    const [target, options] = this.#audience(campaign);
    let count = 0;
    let chunk: SegmentMember[] = [];
    for await (const member of this.#ctx.segments.members(target, {
      ...options,
      fields: ["givenName", "familyName", "county", "precinct", "zip", "region", field],
      batchSize: 1000,
    })) {
      count += 1;
      chunk.push(member as SegmentMember);
      if (chunk.length >= 1000) {
        await flush(chunk);
        chunk = [];
      }
    }
    if (chunk.length > 0) await flush(chunk);
    return count;
  }

  /** Marks a launched campaign running, here and in this client's dispatchers. */
  async #markRunning(id: string, at: string): Promise<void> {
    await this.#ctx.db
      .updateTable("campaign")
      .set({ status: "running", launchedAt: at, updatedAt: at })
      .where("id", "=", id)
      .where("organizationId", "=", this.#ctx.organizationId)
      .execute();
    for (const dispatcher of this.#dispatchers()) dispatcher.noteCampaignStatus(id, "running");
  }

  /** The first emails as their recipients would get them, rendered as the dispatcher renders them. */
  async #previewEmail(
    campaign: Campaign,
    limit: number,
    placeholder: string | undefined,
  ): Promise<PreviewMessage[]> {
    const ctx = this.#ctx;
    const tagged = taggedEmail(emailTemplates(campaign.template), this.#footer());
    const organization = ctx.organization().name;
    const previews: PreviewMessage[] = [];
    const [target, options] = this.#audience(campaign);
    for await (const member of ctx.segments.members(target, {
      ...options,
      fields: ["givenName", "familyName", "county", "precinct", "zip", "email"],
      batchSize: Math.max(1, Math.min(limit, 1000)),
    })) {
      const url =
        placeholder ??
        (ctx.email && member.email
          ? unsubscribeUrl(ctx.email, {
              organizationId: ctx.organizationId,
              email: member.email,
              campaignId: campaign.id,
            })
          : "(one-click unsubscribe link)");
      const { substitutions, missing } = substitutionsFor(tagged, mergeValues(member, { organization }), url);
      const text = tagged.text === null ? null : substitute(tagged.text, substitutions);
      const html = tagged.html === null ? null : substitute(tagged.html, substitutions);
      previews.push({
        to: member.email,
        name: [member.givenName, member.familyName].filter(Boolean).join(" ") || null,
        subject: substitute(tagged.subject, substitutions),
        body: text ?? html ?? "",
        text,
        html,
        segments: 0,
        encoding: null,
        missing,
      });
      if (previews.length >= limit) break;
    }
    return previews;
  }

  /** The email footer: the organization's name and postal address. */
  #footer(): EmailFooter {
    const organization = this.#ctx.organization();
    return { organization: organization.name, postalAddress: organization.postalAddress ?? null };
  }

  async #launchEmail(campaign: Campaign): Promise<LaunchResult> {
    const ctx = this.#ctx;
    const settings = requireEmailSettings(ctx);
    const tagged = taggedEmail(emailTemplates(campaign.template), this.#footer());
    const organization = ctx.organization().name;
    const startAt = campaign.schedule.startAt ? new Date(campaign.schedule.startAt) : null;
    const when = (startAt && startAt > ctx.clock() ? startAt : ctx.clock()).toISOString();
    const result = {
      audience: 0,
      queued: 0,
      waiting: 0,
      blocked: {} as Partial<Record<BlockReason, number>>,
      noPhone: 0,
      noEmail: 0,
    };
    const seen = new Set<string>();
    const at = ctx.clock().toISOString();
    const writer = new OutboxWriter(ctx.db, ctx.dialect, ctx.organizationId, at);
    let batch: SegmentMember[] = [];
    const flush = async () => {
      const members = batch;
      batch = [];
      const emails = [...new Set(members.map((m) => m.email).filter((e): e is string => e !== null))];
      const consent = await ctx.consent.currentStatuses("email", emails);
      const rows: NewOutboxRow[] = [];
      for (const member of members) {
        const email = member.email;
        if (!email) {
          result.noEmail += 1;
          continue;
        }
        const duplicate = seen.has(email);
        seen.add(email);
        const url = unsubscribeUrl(settings, {
          organizationId: ctx.organizationId,
          email,
          campaignId: campaign.id,
        });
        const { substitutions, missing } = substitutionsFor(
          tagged,
          mergeValues(member, { organization }),
          url,
        );
        let reason: BlockReason | null = duplicate
          ? "duplicate_email"
          : consentVerdict(campaign.policy, consent.get(email) ?? "unknown");
        if (!reason && missing.length > 0) reason = "missing_merge_field";
        const key = duplicate
          ? `${campaignKey(campaign.id, email, 1)}:${member.voterId ?? member.personId ?? newId()}`
          : campaignKey(campaign.id, email, 1);
        const common = {
          campaignId: campaign.id,
          kind: "campaign" as const,
          channel: "email" as const,
          step: 1,
          idempotencyKey: key,
          personId: member.personId,
          voterId: member.voterId,
          contactPoint: email,
          sender: campaign.sender,
          // The rendered subject: what lists and reports show. The content is the campaign's, once.
          body: substitute(tagged.subject, substitutions),
          segments: 1,
          region: member.region ?? null,
          timeZone: null,
          payload: JSON.stringify(substitutions),
        };
        if (reason) {
          result.blocked[reason] = (result.blocked[reason] ?? 0) + 1;
          rows.push({
            ...common,
            state: "blocked",
            reason: reason === "missing_merge_field" ? `missing_merge_field:${missing.join(",")}` : reason,
            sendAfter: null,
          });
          continue;
        }
        result.queued += 1;
        rows.push({ ...common, state: "pending", sendAfter: when });
      }
      await writer.add(rows);
    };
    result.audience = await this.#stream(campaign, "email", (members) => {
      batch = members;
      return flush();
    });
    await writer.flush();
    await this.#markRunning(campaign.id, at);
    return result;
  }

  /** Stops sending: queued messages stay in the outbox until {@link CampaignService.resume}. */
  async pause(id: string): Promise<Campaign> {
    return this.#transition(id, ["running"], "paused", "manual");
  }

  /** Sends again after a pause (manual or automatic). */
  async resume(id: string): Promise<Campaign> {
    return this.#transition(id, ["paused"], "running", null);
  }

  /** Stops for good: every message not yet sent is marked canceled. */
  async cancel(id: string): Promise<Campaign> {
    const campaign = await this.#transition(
      id,
      ["draft", "scheduled", "running", "paused"],
      "canceled",
      null,
    );
    const at = this.#ctx.clock().toISOString();
    await this.#ctx.db
      .updateTable("outbox")
      .set({ state: "canceled", reason: "campaign_canceled", updatedAt: at })
      .where("organizationId", "=", this.#ctx.organizationId)
      .where("campaignId", "=", id)
      .where("state", "in", ["unassigned", "assigned", "pending", "waiting"])
      .execute();
    return campaign;
  }

  /**
   * Marks a running campaign completed when nothing is left to send (no row unassigned, assigned, pending,
   * waiting or sending). Returns whether it did.
   */
  async completeIfDone(id: string): Promise<boolean> {
    const ctx = this.#ctx;
    const open = await ctx.db
      .selectFrom("outbox")
      .select((eb) => eb.fn.countAll().as("n"))
      .where("organizationId", "=", ctx.organizationId)
      .where("campaignId", "=", id)
      .where("state", "in", ["unassigned", "assigned", "pending", "waiting", "sending"])
      .executeTakeFirstOrThrow();
    if (Number(open.n) > 0) return false;
    const at = ctx.clock().toISOString();
    const updated = await ctx.db
      .updateTable("campaign")
      .set({ status: "completed", updatedAt: at })
      .where("id", "=", id)
      .where("organizationId", "=", ctx.organizationId)
      .where("status", "=", "running")
      .executeTakeFirst();
    if (Number(updated.numUpdatedRows) === 0) return false;
    ctx.bus.emit("campaign.completed", { campaignId: id });
    return true;
  }

  /** Where a campaign stands: outbox states, block and failure reasons, delivery, replies, opt-outs. */
  async report(id: string): Promise<CampaignReport> {
    const ctx = this.#ctx;
    const campaign = await this.require(id);
    const byState = await ctx.db
      .selectFrom("outbox")
      .select(["state", "reason", (eb) => eb.fn.countAll().as("n")])
      .where("organizationId", "=", ctx.organizationId)
      .where("campaignId", "=", id)
      .groupBy(["state", "reason"])
      .execute();
    const outbox: Record<string, number> = {};
    const blocked: Record<string, number> = {};
    const failed: Record<string, number> = {};
    for (const row of byState) {
      const n = Number(row.n);
      outbox[row.state] = (outbox[row.state] ?? 0) + n;
      const reason = (row.reason ?? "unknown").split(":")[0]!;
      if (row.state === "blocked") blocked[reason] = (blocked[reason] ?? 0) + n;
      if (row.state === "failed") failed[reason] = (failed[reason] ?? 0) + n;
    }
    const messages = await ctx.db
      .selectFrom("message")
      .select(["status", (eb) => eb.fn.countAll().as("n"), (eb) => eb.fn.sum("segments").as("segments")])
      .where("organizationId", "=", ctx.organizationId)
      .where("campaignId", "=", id)
      .where("direction", "=", "outbound")
      .groupBy("status")
      .execute();
    const statuses: Record<string, number> = {};
    let sent = 0;
    let segments = 0;
    for (const row of messages) {
      statuses[row.status] = Number(row.n);
      sent += Number(row.n);
      segments += Number(row.segments ?? 0);
    }
    const replies = await ctx.db
      .selectFrom("message")
      .select((eb) => eb.fn.countAll().as("n"))
      .where("organizationId", "=", ctx.organizationId)
      .where("campaignId", "=", id)
      .where("direction", "=", "inbound")
      .executeTakeFirstOrThrow();
    const optOuts = await ctx.db
      .selectFrom("consentEvent")
      .select((eb) => eb.fn.countAll().as("n"))
      .where("organizationId", "=", ctx.organizationId)
      .where("campaignId", "=", id)
      .where("kind", "=", "opt_out")
      .executeTakeFirstOrThrow();
    return {
      campaign,
      outbox,
      blocked,
      failed,
      sent,
      statuses,
      replies: Number(replies.n),
      optOuts: Number(optOuts.n),
      segments,
    };
  }

  /** The parsed body template of a campaign (the canned responses are parsed when needed). */
  template(campaign: Campaign): ParsedTemplate {
    return this.#template(campaign);
  }

  #template(campaign: Campaign): ParsedTemplate {
    const body = campaign.template.body;
    if (campaign.channel === "sms" && !body) {
      throw new InvalidInputError({
        field: "template.body",
        value: body,
        reason: "an sms campaign needs a body",
      });
    }
    return parseTemplate(body ?? "", { knownFields: MERGE_FIELD_NAMES, field: "template.body" });
  }

  #audience(campaign: Campaign): [SegmentTarget, { universe: "voters" | "people" }] {
    const { segmentId, listId } = campaign.audience;
    if (segmentId) return [segmentId, { universe: "voters" }];
    if (listId) return [{ lists: [listId] } as SegmentTarget, { universe: "people" }];
    throw new InvalidInputError({
      field: "audience",
      value: campaign.audience,
      reason: "a campaign needs an audience: a segmentId or a listId",
    });
  }

  async #validate(
    data: z.output<typeof Campaign> | Omit<Campaign, "id" | "organizationId" | "createdAt" | "updatedAt">,
  ): Promise<void> {
    if (data.channel === "sms") {
      if (!data.template.body) {
        throw new InvalidInputError({
          field: "template.body",
          value: data.template.body,
          reason: "an sms campaign needs a body",
        });
      }
      parseTemplate(data.template.body, { knownFields: MERGE_FIELD_NAMES, field: "template.body" });
      if (data.mode !== "blast" && data.mode !== "p2p") {
        throw new InvalidInputError({
          field: "mode",
          value: data.mode,
          reason: 'an sms campaign is "blast" or "p2p"',
        });
      }
    }
    if (data.channel === "email") {
      if (data.mode !== "blast") {
        throw new InvalidInputError({
          field: "mode",
          value: data.mode,
          reason: 'an email campaign is "blast"',
        });
      }
      // Checked at create, not at send: templates, and the postal address every bulk email must carry.
      taggedEmail(emailTemplates(data.template), this.#footer());
      if (data.sender !== null) parseEmailSender(data.sender, "sender");
    }
    validQuietHours(data.policy.quietHours);
    data.script.cannedResponses.forEach((canned, index) => {
      parseTemplate(canned.body, {
        knownFields: MERGE_FIELD_NAMES,
        field: `script.cannedResponses.${index}.body`,
      });
    });
    const keys = new Set<string>();
    data.script.cannedResponses.forEach((canned, index) => {
      if (keys.has(canned.key)) {
        throw new InvalidInputError({
          field: `script.cannedResponses.${index}.key`,
          value: canned.key,
          reason: "canned response keys must be unique in the campaign",
        });
      }
      keys.add(canned.key);
    });
    const { segmentId, listId } = data.audience;
    if (!segmentId && !listId) {
      throw new InvalidInputError({
        field: "audience",
        value: data.audience,
        reason: "give a segmentId or a listId",
      });
    }
    if (segmentId && listId) {
      throw new InvalidInputError({
        field: "audience",
        value: data.audience,
        reason: "give a segmentId or a listId, not both",
      });
    }
    if (segmentId && !(await this.#ctx.segments.get(segmentId))) {
      throw new InvalidInputError({
        field: "audience.segmentId",
        value: segmentId,
        reason: "no such segment in this organization",
      });
    }
    if (listId) {
      const list = await this.#ctx.db
        .selectFrom("list")
        .select("id")
        .where("id", "=", listId)
        .where("organizationId", "=", this.#ctx.organizationId)
        .executeTakeFirst();
      if (!list)
        throw new InvalidInputError({
          field: "audience.listId",
          value: listId,
          reason: "no such list in this organization",
        });
    }
    const questionId = data.script.surveyQuestionId;
    if (questionId) {
      const question = await this.#ctx.db
        .selectFrom("surveyQuestion")
        .select("id")
        .where("id", "=", questionId)
        .where("organizationId", "=", this.#ctx.organizationId)
        .executeTakeFirst();
      if (!question) {
        throw new InvalidInputError({
          field: "script.surveyQuestionId",
          value: questionId,
          reason: "no such survey question in this organization",
        });
      }
    }
  }

  async #transition(
    id: string,
    from: readonly Campaign["status"][],
    to: Campaign["status"],
    reason: string | null,
  ): Promise<Campaign> {
    const ctx = this.#ctx;
    const current = await this.require(id);
    if (!from.includes(current.status)) {
      throw new PrecinctError({
        code: "conflict",
        message: `Campaign ${id} is ${current.status}; it can only become ${to} from ${from.join(" or ")}.`,
      });
    }
    const at = ctx.clock().toISOString();
    await ctx.db
      .updateTable("campaign")
      .set({ status: to, pausedReason: to === "paused" ? reason : null, updatedAt: at })
      .where("id", "=", id)
      .where("organizationId", "=", ctx.organizationId)
      .execute();
    for (const dispatcher of this.#dispatchers()) dispatcher.noteCampaignStatus(id, to);
    if (to === "paused")
      ctx.bus.emit("campaign.paused", { campaignId: id, reason: reason ?? "manual", detail: null });
    return this.require(id);
  }
}

/**
 * Checks a campaign's quiet hours when it is created, not when its first text is due: the times must be
 * valid and leave some time to send in every state (a 20:30 start is past Florida's 20:00 end).
 */
function validQuietHours(policy: Campaign["policy"]["quietHours"]): void {
  if (!policy) return;
  parseQuietHoursPolicy(policy, "policy.quietHours");
  const places: RecipientLocation[] = [
    { state: null, timeZone: "America/New_York", source: "unknown" },
    ...Object.keys(QUIET_HOURS_RULES)
      .filter((state) => state !== "US")
      .map((state): RecipientLocation => ({ state, timeZone: "America/New_York", source: "address" })),
  ];
  for (const place of places) {
    try {
      sendingWindow(place, policy);
    } catch (error) {
      if (!PrecinctError.hasCode(error, "invalid_config")) throw error;
      throw new InvalidInputError({
        field: "policy.quietHours",
        value: policy,
        reason: `leaves no time to send ${place.state ? `in ${place.state}` : "to recipients whose state is unknown"}: ${error.message}`,
      });
    }
  }
}
