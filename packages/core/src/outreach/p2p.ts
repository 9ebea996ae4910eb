/**
 * Peer-to-peer texting: texters take batches of contacts, send each first message by an explicit action,
 * work an inbox of replies with canned responses, tag and close conversations; admins reassign.
 *
 * @module
 */

import { smsSegments } from "../spec/contracts/sms-segments.js";
import { InvalidInputError, NotFoundError, PrecinctError } from "../spec/errors.js";
import type { Campaign, Conversation } from "../spec/model/outreach.js";
import { fromJson, newId, toJson } from "../storage/codec.js";
import type { CampaignService } from "./campaigns.js";
import type { OutreachContext } from "./context.js";
import type { Dispatcher } from "./dispatcher.js";
import { MERGE_FIELD_NAMES, mergeValues, TEXTER_PLACEHOLDER } from "./merge-fields.js";
import { insertOutbox, type OutboxEntry, type OutboxState, toEntry } from "./outbox.js";
import { parseTemplate, renderTemplate } from "./templates/index.js";

/** A contact in a texter's batch, ready for its first message. */
export interface P2pContact {
  /** The outbox row: pass it to {@link PeerToPeer.send}. */
  readonly outboxId: string;
  /** The campaign. */
  readonly campaignId: string;
  /** The batch it came in. */
  readonly batchId: string | null;
  /** The recipient's number. */
  readonly to: string;
  /** The recipient person, when known. */
  readonly personId: string | null;
  /** The first message, rendered. */
  readonly body: string;
  /** Where the row is (`assigned` until sent). */
  readonly state: OutboxState;
}

/** A batch of contacts handed to one texter. */
export interface P2pBatch {
  /** Batch id. */
  readonly id: string;
  /** The campaign. */
  readonly campaignId: string;
  /** The texter (person id). */
  readonly texterId: string;
  /** The contacts; fewer than asked when the campaign is running out. */
  readonly contacts: readonly P2pContact[];
}

/** The outcome of a texter's send or reply. */
export interface P2pSendResult {
  /** `sent`; `blocked` (the gate refused: see `reason`); `waiting` (quiet hours: it goes out at `sendAfter`); `failed`; `pending` (a retry is scheduled). */
  readonly state: OutboxState;
  /** Why it was blocked, is waiting or failed. */
  readonly reason: string | null;
  /** When a waiting message will go. */
  readonly sendAfter: string | null;
  /** The conversation the message belongs to. */
  readonly conversationId: string | null;
  /** The outbox row. */
  readonly outboxId: string;
}

/** A conversation in a texter's inbox, with its latest messages. */
export interface InboxItem {
  /** The conversation. */
  readonly conversation: Conversation;
  /** True when the last message is theirs: it waits for an answer. */
  readonly needsReply: boolean;
  /** The latest messages, oldest first (at most 20). */
  readonly messages: readonly {
    direction: "inbound" | "outbound";
    body: string;
    at: string | null;
    status: string;
  }[];
}

/**
 * Peer-to-peer texting for one organization. Available as `precinct.p2p`.
 *
 * @example
 * ```ts
 * const batch = await precinct.p2p.requestBatch(campaign.id, texter.id, { size: 25 });
 * for (const contact of batch.contacts) await precinct.p2p.send(texter.id, contact.outboxId);
 * for (const item of await precinct.p2p.inbox(texter.id)) {
 *   if (item.needsReply) await precinct.p2p.reply(texter.id, item.conversation.id, { cannedResponse: "thanks" });
 * }
 * ```
 */
export class PeerToPeer {
  readonly #ctx: OutreachContext;
  readonly #campaigns: CampaignService;
  readonly #dispatcher: () => Dispatcher;

  /** @internal Created by `createPrecinct()`. */
  constructor(ctx: OutreachContext, campaigns: CampaignService, dispatcher: () => Dispatcher) {
    this.#ctx = ctx;
    this.#campaigns = campaigns;
    this.#dispatcher = dispatcher;
  }

  /**
   * Hands the texter the next `size` unassigned contacts of a running P2P campaign (default 50). Call
   * again for another batch. Two texters asking at once never get the same contact.
   */
  async requestBatch(
    campaignId: string,
    texterId: string,
    options: { size?: number } = {},
  ): Promise<P2pBatch> {
    const ctx = this.#ctx;
    const size = options.size ?? 50;
    if (!Number.isInteger(size) || size < 1 || size > 1000) {
      throw new InvalidInputError({
        field: "size",
        value: size,
        reason: "must be an integer from 1 to 1,000",
      });
    }
    const campaign = await this.#p2pCampaign(campaignId);
    if (campaign.status !== "running") {
      throw new PrecinctError({
        code: "conflict",
        message: `Campaign ${campaignId} is ${campaign.status}; batches come from running campaigns.`,
      });
    }
    await this.#requireTexter(texterId);
    const batchId = newId();
    const at = ctx.clock().toISOString();
    const rows = await ctx.db.transaction().execute(async (trx) => {
      let next = trx
        .selectFrom("outbox")
        .select("id")
        .where("organizationId", "=", ctx.organizationId)
        .where("campaignId", "=", campaignId)
        .where("state", "=", "unassigned")
        .orderBy("createdAt")
        .orderBy("id")
        .limit(size);
      if (ctx.dialect === "postgres") next = next.forUpdate().skipLocked();
      const ids = (await next.execute()).map((row) => row.id);
      if (ids.length === 0) return [];
      await trx
        .insertInto("p2pBatch")
        .values({
          id: batchId,
          organizationId: ctx.organizationId,
          campaignId,
          texterId,
          size: ids.length,
          createdAt: at,
        })
        .execute();
      return trx
        .updateTable("outbox")
        .set({ state: "assigned", assigneeId: texterId, batchId, updatedAt: at })
        .where("id", "in", ids)
        .where("state", "=", "unassigned")
        .returningAll()
        .execute();
    });
    const texterName = await this.#texterName(texterId);
    // The texter's name goes in when the message is sent (a batch may be reassigned before that).
    const contacts = rows
      .map((row) =>
        this.#contact({ ...toEntry(row), body: this.#withTexter(campaign, row.body, texterName) } as never),
      )
      .sort((a, b) => a.outboxId.localeCompare(b.outboxId));
    return { id: batchId, campaignId, texterId, contacts };
  }

  /** The contacts assigned to a texter and not sent yet. */
  async assignments(texterId: string, options: { campaignId?: string } = {}): Promise<P2pContact[]> {
    let query = this.#ctx.db
      .selectFrom("outbox")
      .selectAll()
      .where("organizationId", "=", this.#ctx.organizationId)
      .where("assigneeId", "=", texterId)
      .where("state", "=", "assigned");
    if (options.campaignId) query = query.where("campaignId", "=", options.campaignId);
    const rows = await query.orderBy("id").execute();
    const texterName = await this.#texterName(texterId);
    const campaigns = new Map<string, Campaign>();
    const contacts: P2pContact[] = [];
    for (const row of rows) {
      const id = row.campaignId!;
      if (!campaigns.has(id)) campaigns.set(id, await this.#campaigns.require(id));
      contacts.push(
        this.#contact({
          ...toEntry(row),
          body: this.#withTexter(campaigns.get(id)!, row.body, texterName),
        } as never),
      );
    }
    return contacts;
  }

  /**
   * Sends one first message: the texter's explicit action. The compliance gate runs as for any send (an
   * opt-out since the batch was handed out blocks it; outside quiet hours it waits).
   */
  async send(texterId: string, outboxId: string): Promise<P2pSendResult> {
    const ctx = this.#ctx;
    const row = await ctx.db
      .selectFrom("outbox")
      .selectAll()
      .where("organizationId", "=", ctx.organizationId)
      .where("id", "=", outboxId)
      .executeTakeFirst();
    if (!row) throw new NotFoundError("Outbox row", outboxId);
    if (row.assigneeId !== texterId) {
      throw new PrecinctError({
        code: "forbidden",
        message: `Contact ${outboxId} is not assigned to texter ${texterId}.`,
      });
    }
    if (row.state !== "assigned") return result(toEntry(row));
    const campaign = await this.#campaigns.require(row.campaignId!);
    const conversationId = await this.#conversation(campaign, row.contactPoint, row.personId, texterId);
    const at = ctx.clock().toISOString();
    const body = this.#withTexter(campaign, row.body, await this.#texterName(texterId));
    await ctx.db
      .updateTable("outbox")
      .set({
        state: "pending",
        sendAfter: at,
        conversationId,
        body,
        segments: smsSegments(body).segments,
        updatedAt: at,
      })
      .where("id", "=", outboxId)
      .where("state", "=", "assigned")
      .execute();
    return result(await this.#dispatcher().sendNow(outboxId));
  }

  /**
   * The texter's inbox: open conversations assigned to them, those waiting for an answer first.
   */
  async inbox(
    texterId: string,
    options: { campaignId?: string; includeAnswered?: boolean } = {},
  ): Promise<InboxItem[]> {
    const ctx = this.#ctx;
    let query = ctx.db
      .selectFrom("conversation")
      .selectAll()
      .where("organizationId", "=", ctx.organizationId)
      .where("assigneeId", "=", texterId)
      .where("status", "=", "open")
      .where("lastInboundAt", "is not", null);
    if (options.campaignId) query = query.where("campaignId", "=", options.campaignId);
    const rows = await query.orderBy("lastInboundAt", "desc").execute();
    const items: InboxItem[] = [];
    for (const row of rows) {
      const needsReply = row.lastOutboundAt === null || (row.lastInboundAt ?? "") > row.lastOutboundAt;
      if (!needsReply && !options.includeAnswered) continue;
      const messages = await ctx.db
        .selectFrom("message")
        .select(["direction", "body", "sentAt", "status"])
        .where("conversationId", "=", row.id)
        .orderBy("sentAt", "desc")
        .limit(20)
        .execute();
      items.push({
        conversation: toConversation(row),
        needsReply,
        messages: messages.reverse().map((m) => ({
          direction: m.direction as "inbound" | "outbound",
          body: m.body,
          at: m.sentAt,
          status: m.status,
        })),
      });
    }
    return items.sort((a, b) => Number(b.needsReply) - Number(a.needsReply));
  }

  /**
   * Answers a conversation, with free text or one of the campaign's canned responses (merge fields filled
   * for the recipient). Goes through the gate: an opted-out person is never texted again.
   */
  async reply(
    texterId: string,
    conversationId: string,
    message: { body: string } | { cannedResponse: string },
  ): Promise<P2pSendResult> {
    const ctx = this.#ctx;
    const conversation = await this.#requireConversation(conversationId);
    if (conversation.assigneeId !== texterId) {
      throw new PrecinctError({
        code: "forbidden",
        message: `Conversation ${conversationId} is not assigned to texter ${texterId}.`,
      });
    }
    const campaign = conversation.campaignId ? await this.#campaigns.require(conversation.campaignId) : null;
    let body: string;
    if ("cannedResponse" in message) {
      const canned = campaign?.script.cannedResponses.find((c) => c.key === message.cannedResponse);
      if (!canned) {
        throw new InvalidInputError({
          field: "cannedResponse",
          value: message.cannedResponse,
          reason: `no such canned response in the campaign (have: ${campaign?.script.cannedResponses.map((c) => c.key).join(", ") || "none"})`,
        });
      }
      const template = parseTemplate(canned.body, {
        knownFields: MERGE_FIELD_NAMES,
        field: "cannedResponse",
      });
      const person = conversation.personId ? await this.#personNames(conversation.personId) : {};
      body = renderTemplate(
        template,
        mergeValues(person, {
          organization: ctx.organization().name,
          texterName: await this.#texterName(texterId),
        }),
      ).text;
    } else {
      body = message.body.trim();
      if (!body)
        throw new InvalidInputError({ field: "body", value: message.body, reason: "a reply needs text" });
    }
    const at = ctx.clock().toISOString();
    const key = `reply:${conversationId}:${newId()}`;
    await insertOutbox(
      ctx.db,
      ctx.dialect,
      ctx.organizationId,
      [
        {
          campaignId: conversation.campaignId,
          kind: "reply",
          step: 0,
          idempotencyKey: key,
          personId: conversation.personId,
          voterId: null,
          contactPoint: conversation.theirAddress,
          sender: conversation.ourAddress.startsWith("+")
            ? conversation.ourAddress
            : (campaign?.sender ?? null),
          body,
          segments: smsSegments(body).segments,
          state: "pending",
          region: null,
          timeZone: null,
          sendAfter: at,
          conversationId,
          assigneeId: texterId,
        },
      ],
      at,
    );
    const row = await ctx.db
      .selectFrom("outbox")
      .select("id")
      .where("organizationId", "=", ctx.organizationId)
      .where("idempotencyKey", "=", key)
      .executeTakeFirstOrThrow();
    await this.#locateFromConversation(row.id, conversation);
    return result(await this.#dispatcher().sendNow(row.id));
  }

  /** Adds tags to a conversation (kept sorted and unique). */
  async tag(conversationId: string, tags: readonly string[]): Promise<Conversation> {
    const conversation = await this.#requireConversation(conversationId);
    const merged = [...new Set([...conversation.tags, ...tags.map((t) => t.trim()).filter(Boolean)])].sort();
    await this.#ctx.db
      .updateTable("conversation")
      .set({ tags: toJson(merged), updatedAt: this.#ctx.clock().toISOString() })
      .where("id", "=", conversationId)
      .execute();
    return this.#requireConversation(conversationId);
  }

  /** Closes a conversation: it leaves the inbox until the person writes again. */
  async close(conversationId: string): Promise<Conversation> {
    await this.#requireConversation(conversationId);
    await this.#ctx.db
      .updateTable("conversation")
      .set({ status: "closed", updatedAt: this.#ctx.clock().toISOString() })
      .where("id", "=", conversationId)
      .execute();
    return this.#requireConversation(conversationId);
  }

  /**
   * Moves a texter's unsent contacts and open conversations to another texter (or back to the pool with
   * `to: null`, for contacts). Narrow it to one campaign or batch.
   */
  async reassign(options: {
    from: string;
    to: string | null;
    campaignId?: string;
    batchId?: string;
  }): Promise<{ contacts: number; conversations: number }> {
    const ctx = this.#ctx;
    if (options.to) await this.#requireTexter(options.to);
    const at = ctx.clock().toISOString();
    let contacts = ctx.db
      .updateTable("outbox")
      .set(
        options.to
          ? { assigneeId: options.to, updatedAt: at }
          : { assigneeId: null, batchId: null, state: "unassigned", updatedAt: at },
      )
      .where("organizationId", "=", ctx.organizationId)
      .where("assigneeId", "=", options.from)
      .where("state", "=", "assigned");
    if (options.campaignId) contacts = contacts.where("campaignId", "=", options.campaignId);
    if (options.batchId) contacts = contacts.where("batchId", "=", options.batchId);
    const moved = await contacts.executeTakeFirst();
    let conversations = 0;
    if (options.to && !options.batchId) {
      let update = ctx.db
        .updateTable("conversation")
        .set({ assigneeId: options.to, updatedAt: at })
        .where("organizationId", "=", ctx.organizationId)
        .where("assigneeId", "=", options.from)
        .where("status", "=", "open");
      if (options.campaignId) update = update.where("campaignId", "=", options.campaignId);
      conversations = Number((await update.executeTakeFirst()).numUpdatedRows);
    }
    return { contacts: Number(moved.numUpdatedRows), conversations };
  }

  async #p2pCampaign(id: string): Promise<Campaign> {
    const campaign = await this.#campaigns.require(id);
    if (campaign.mode !== "p2p") {
      throw new PrecinctError({
        code: "conflict",
        message: `Campaign ${id} is a ${campaign.mode} campaign, not p2p.`,
      });
    }
    return campaign;
  }

  async #requireTexter(texterId: string): Promise<void> {
    const found = await this.#ctx.db
      .selectFrom("person")
      .select("id")
      .where("id", "=", texterId)
      .where("organizationId", "=", this.#ctx.organizationId)
      .executeTakeFirst();
    if (!found) throw new NotFoundError("Person (texter)", texterId);
  }

  async #texterName(texterId: string): Promise<string | null> {
    const row = await this.#ctx.db
      .selectFrom("person")
      .select("givenName")
      .where("id", "=", texterId)
      .executeTakeFirst();
    return row?.givenName ?? null;
  }

  async #personNames(personId: string): Promise<{ givenName?: string | null; familyName?: string | null }> {
    const row = await this.#ctx.db
      .selectFrom("person")
      .select(["givenName", "familyName"])
      .where("id", "=", personId)
      .executeTakeFirst();
    return row ?? {};
  }

  /** Fills `{{texterName}}`: the launch could not know who would text, the assignment does. */
  #withTexter(campaign: Campaign, body: string, texterName: string | null): string {
    if (!body.includes(TEXTER_PLACEHOLDER)) return body;
    const template = this.#campaigns.template(campaign);
    const part = template.parts.find((p) => "field" in p && p.field === "texterName");
    const fallback = part && "field" in part ? (part.fallback ?? "") : "";
    return body.split(TEXTER_PLACEHOLDER).join(texterName ?? fallback);
  }

  async #conversation(
    campaign: Campaign,
    theirs: string,
    personId: string | null,
    texterId: string,
  ): Promise<string> {
    const ctx = this.#ctx;
    const ours = campaign.sender ?? `${ctx.plugins.sms?.provider ?? "sms"}:default`;
    const at = ctx.clock().toISOString();
    await ctx.db
      .insertInto("conversation")
      .values({
        id: newId(),
        organizationId: ctx.organizationId,
        createdAt: at,
        updatedAt: at,
        channel: "sms",
        ourAddress: ours,
        theirAddress: theirs,
        personId,
        campaignId: campaign.id,
        assigneeId: texterId,
        status: "open",
        tags: "[]",
        lastMessageAt: null,
        lastInboundAt: null,
        lastOutboundAt: null,
      })
      .onConflict((oc) =>
        oc.columns(["organizationId", "channel", "ourAddress", "theirAddress"]).doUpdateSet({
          campaignId: campaign.id,
          assigneeId: texterId,
          personId,
          status: "open",
          updatedAt: at,
        }),
      )
      .execute();
    const row = await ctx.db
      .selectFrom("conversation")
      .select("id")
      .where("organizationId", "=", ctx.organizationId)
      .where("channel", "=", "sms")
      .where("ourAddress", "=", ours)
      .where("theirAddress", "=", theirs)
      .executeTakeFirstOrThrow();
    return row.id;
  }

  /** A reply's quiet hours follow where the campaign's first message found the person. */
  async #locateFromConversation(outboxId: string, conversation: Conversation): Promise<void> {
    const first = await this.#ctx.db
      .selectFrom("outbox")
      .select(["region", "timeZone"])
      .where("organizationId", "=", this.#ctx.organizationId)
      .where("conversationId", "=", conversation.id)
      .where("kind", "in", ["p2p", "campaign"])
      .executeTakeFirst();
    if (first) {
      await this.#ctx.db
        .updateTable("outbox")
        .set({ region: first.region, timeZone: first.timeZone })
        .where("id", "=", outboxId)
        .execute();
    }
  }

  async #requireConversation(id: string): Promise<Conversation> {
    const row = await this.#ctx.db
      .selectFrom("conversation")
      .selectAll()
      .where("organizationId", "=", this.#ctx.organizationId)
      .where("id", "=", id)
      .executeTakeFirst();
    if (!row) throw new NotFoundError("Conversation", id);
    return toConversation(row);
  }

  #contact(row: OutboxEntry & { campaignId: string }): P2pContact {
    return {
      outboxId: row.id,
      campaignId: row.campaignId,
      batchId: row.batchId,
      to: row.contactPoint,
      personId: row.personId,
      body: row.body,
      state: row.state,
    };
  }
}

function result(row: OutboxEntry): P2pSendResult {
  return {
    state: row.state,
    reason: row.reason,
    sendAfter: row.sendAfter,
    conversationId: row.conversationId,
    outboxId: row.id,
  };
}

function toConversation(row: Record<string, unknown>): Conversation {
  return {
    id: row.id as string,
    organizationId: row.organizationId as string,
    createdAt: row.createdAt as string,
    updatedAt: row.updatedAt as string,
    channel: row.channel as Conversation["channel"],
    ourAddress: row.ourAddress as string,
    theirAddress: row.theirAddress as string,
    personId: (row.personId as string | null) ?? null,
    campaignId: (row.campaignId as string | null) ?? null,
    assigneeId: (row.assigneeId as string | null) ?? null,
    status: row.status as Conversation["status"],
    tags: fromJson<string[]>(row.tags, []),
    lastMessageAt: (row.lastMessageAt as string | null) ?? null,
  };
}
