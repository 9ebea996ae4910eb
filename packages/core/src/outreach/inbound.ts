/**
 * What comes back from the carrier: replies (classified, threaded, turned into consent events and survey
 * answers) and delivery status callbacks (applied only when they move a message forward).
 *
 * @module
 */
import { isMessageStatus, isStatusAdvance, type MessageStatus } from "../spec/contracts/common.js";
import type { InboundSms, StatusUpdate } from "../spec/contracts/sms-transport.js";
import { fromJson, newId } from "../storage/codec.js";
import type { OutreachContext } from "./context.js";
import { insertOutbox } from "./outbox.js";
import { classifyReply, type ReplyClassification } from "./replies/index.js";

/** What handling an inbound text did. */
export interface InboundResult {
  /** False when the provider id was seen before (a webhook retry): nothing was done again. */
  readonly handled: boolean;
  /** How the text was understood. */
  readonly classification: ReplyClassification | null;
  /** The stored message's id. */
  readonly messageId: string | null;
  /** The conversation it was threaded into. */
  readonly conversationId: string | null;
  /** The sender's person, when their number is known. */
  readonly personId: string | null;
  /** A consent event appended, if any. */
  readonly consent: "opt_out" | "opt_in" | null;
  /** The survey answer recorded, if the campaign asked a question and the reply answered it. */
  readonly surveyAnswer: string | null;
  /** The automatic reply queued (opt-out/opt-in confirmation, HELP text), if any. */
  readonly autoReply: string | null;
}

/** What applying a status callback did. */
export interface StatusResult {
  /** False for a repeated callback (same message and status). */
  readonly handled: boolean;
  /** Whether the message's status changed (callbacks arrive out of order: never backwards). */
  readonly applied: boolean;
  /** The message, when known. */
  readonly messageId: string | null;
  /** Its status after the callback. */
  readonly status: MessageStatus | null;
}

/** Options of the reply handling. */
export interface InboundOptions {
  /** Extra plain-language opt-out phrases the organization treats as revocations. */
  readonly extraOptOutPhrases?: readonly string[];
  /** The confirmation sent after an opt-out when the provider does not send its own. */
  readonly optOutConfirmation?: (organization: string) => string;
  /** The confirmation sent after an opt-in (START). */
  readonly optInConfirmation?: (organization: string) => string;
}

/**
 * @internal Handles inbound texts and status callbacks for one organization. The webhook router calls it
 * after verifying the provider's signature; `precinct.texting.receive()` exposes it for transports that
 * deliver messages another way (the fake carrier, a polling adapter).
 */
export class InboundHandler {
  readonly #ctx: OutreachContext;
  readonly #options: InboundOptions;

  constructor(ctx: OutreachContext, options: InboundOptions = {}) {
    this.#ctx = ctx;
    this.#options = options;
  }

  /** Records a provider event key; false when it was recorded before (a retry). */
  async #firstTime(key: string): Promise<boolean> {
    const provider = this.#ctx.plugins.sms?.provider ?? "sms";
    const result = await this.#ctx.db
      .insertInto("webhookEvent")
      .values({
        organizationId: this.#ctx.organizationId,
        provider,
        eventKey: key,
        receivedAt: this.#ctx.clock().toISOString(),
      })
      .onConflict((oc) => oc.columns(["organizationId", "provider", "eventKey"]).doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  /** Handles one inbound text. Idempotent per provider id. */
  async receive(inbound: InboundSms): Promise<InboundResult> {
    const ctx = this.#ctx;
    if (!(await this.#firstTime(`inbound:${inbound.providerId}`))) {
      return {
        handled: false,
        classification: null,
        messageId: null,
        conversationId: null,
        personId: null,
        consent: null,
        surveyAnswer: null,
        autoReply: null,
      };
    }
    const from = ctx.consent.normalizeContactPoint("sms", inbound.from);
    const to = inbound.to;
    const at = ctx.clock().toISOString();
    const receivedAt = inbound.receivedAt.toISOString();
    const classification = classifyReply(inbound.body, {
      ...(this.#options.extraOptOutPhrases ? { extraOptOutPhrases: this.#options.extraOptOutPhrases } : {}),
    });

    const person = await ctx.db
      .selectFrom("personPhone")
      .select("personId")
      .where("organizationId", "=", ctx.organizationId)
      .where("number", "=", from)
      .orderBy("primary", "desc")
      .executeTakeFirst();
    const conversation = await this.#thread(to, from, person?.personId ?? null, receivedAt);
    // A voter who answers becomes a person (linked to their registration), so answers, consent and
    // interactions have someone to belong to.
    const personId =
      conversation.personId ?? person?.personId ?? (await this.#personFromVoter(from, conversation.id));
    const messageId = newId();
    await ctx.db
      .insertInto("message")
      .values({
        id: messageId,
        organizationId: ctx.organizationId,
        createdAt: at,
        updatedAt: at,
        channel: "sms",
        direction: "inbound",
        campaignId: conversation.campaignId,
        conversationId: conversation.id,
        personId,
        from,
        to,
        subject: null,
        body: inbound.body,
        status: "received",
        providerId: inbound.providerId,
        idempotencyKey: null,
        segments: null,
        errorCode: null,
        errorMessage: null,
        sentAt: receivedAt,
      })
      .execute();
    await ctx.db
      .updateTable("conversation")
      .set({ lastInboundAt: receivedAt, lastMessageAt: receivedAt, status: "open", updatedAt: at })
      .where("id", "=", conversation.id)
      .execute();

    const transport = ctx.plugins.sms;
    const providerAnswers = transport?.handlesKeywords === true && classification.providerKeyword;
    const organization = ctx.organization();
    let consent: InboundResult["consent"] = null;
    let autoReply: string | null = null;
    let surveyAnswer: string | null = null;
    const current = (await ctx.consent.statuses("sms", [from]))[0]!.status;

    if (classification.intent === "opt_out") {
      // Out of the texters' inboxes: nobody answers an opt-out (the one confirmation is automatic).
      await ctx.db
        .updateTable("conversation")
        .set({ status: "closed" })
        .where("id", "=", conversation.id)
        .execute();
      // Appending even when already opted out: the ledger is the record of every request.
      await ctx.consent.record({
        channel: "sms",
        contactPoint: from,
        personId,
        kind: "opt_out",
        source: "keyword",
        rawText: inbound.body,
        campaignId: conversation.campaignId,
        occurredAt: receivedAt,
      });
      consent = "opt_out";
      await this.#cancelPending(from, at);
      if (classification.wrongNumber && personId) await this.#markWrongNumber(personId, from);
      if (!providerAnswers && current !== "opted_out") {
        autoReply = (this.#options.optOutConfirmation ?? defaultOptOutConfirmation)(organization.name);
      }
    } else if (
      classification.intent === "opt_in" &&
      // YES is an opt-in only from someone opted out; otherwise it is an answer ("Will you vote? YES").
      (classification.keyword !== "YES" || current === "opted_out")
    ) {
      await ctx.consent.record({
        channel: "sms",
        contactPoint: from,
        personId,
        kind: "opt_in",
        source: "keyword",
        rawText: inbound.body,
        campaignId: conversation.campaignId,
        occurredAt: receivedAt,
      });
      consent = "opt_in";
      if (!providerAnswers)
        autoReply = (this.#options.optInConfirmation ?? defaultOptInConfirmation)(organization.name);
    } else if (classification.intent === "help") {
      // An opted-out number gets nothing but its one confirmation; START brings the help text back.
      if (!providerAnswers && current !== "opted_out") {
        autoReply =
          organization.helpText ??
          `${organization.name}: reply STOP to stop receiving texts, START to receive them again.`;
      }
    } else if (personId && conversation.campaignId) {
      surveyAnswer = await this.#surveyAnswer(conversation.campaignId, personId, inbound.body, receivedAt);
    }

    if (personId) {
      await ctx.db
        .insertInto("interaction")
        .values({
          id: newId(),
          organizationId: ctx.organizationId,
          createdAt: at,
          updatedAt: at,
          personId,
          channel: "sms",
          outcome: consent === "opt_out" ? "opted_out" : consent === "opt_in" ? "opted_in" : "replied",
          resultCode: classification.wrongNumber ? "wrong_number" : null,
          volunteerId: conversation.assigneeId,
          campaignId: conversation.campaignId,
          notes: null,
          occurredAt: receivedAt,
        })
        .execute();
    }
    if (autoReply) {
      await insertOutbox(
        ctx.db,
        ctx.organizationId,
        [
          {
            campaignId: null,
            kind: "system",
            step: 0,
            idempotencyKey: `auto-reply:${inbound.providerId}`,
            personId,
            voterId: null,
            contactPoint: from,
            sender: to,
            body: autoReply,
            segments: 1,
            state: "pending",
            region: null,
            timeZone: null,
            sendAfter: at,
            conversationId: conversation.id,
          },
        ],
        at,
      );
    }
    ctx.bus.emit("message.received", {
      messageId,
      conversationId: conversation.id,
      personId,
      campaignId: conversation.campaignId,
      from,
      body: inbound.body,
      intent: classification.intent,
    });
    return {
      handled: true,
      classification,
      messageId,
      conversationId: conversation.id,
      personId,
      consent,
      surveyAnswer,
      autoReply,
    };
  }

  /** Applies one status callback, forward only. Idempotent per (message, status). */
  async status(update: StatusUpdate): Promise<StatusResult> {
    const ctx = this.#ctx;
    if (!(await this.#firstTime(`status:${update.providerId}:${update.status}`))) {
      return { handled: false, applied: false, messageId: null, status: null };
    }
    const at = ctx.clock().toISOString();
    let message:
      | { id: string; status: string; campaignId: string | null; personId: string | null; to: string }
      | undefined;
    let current: MessageStatus = "queued";
    // Compare-and-set, re-read on a lost race: a concurrent callback may have moved the message already.
    for (let attempt = 0; ; attempt += 1) {
      message = await ctx.db
        .selectFrom("message")
        .select(["id", "status", "campaignId", "personId", "to"])
        .where("organizationId", "=", ctx.organizationId)
        .where("providerId", "=", update.providerId)
        .where("direction", "=", "outbound")
        .executeTakeFirst();
      if (!message) return { handled: true, applied: false, messageId: null, status: null };
      current = isMessageStatus(message.status) ? message.status : "queued";
      if (!isStatusAdvance(current, update.status)) {
        return { handled: true, applied: false, messageId: message.id, status: current };
      }
      const updated = await ctx.db
        .updateTable("message")
        .set({
          status: update.status,
          errorCode: update.errorCode ?? null,
          errorMessage: update.failureReason ?? null,
          updatedAt: at,
        })
        .where("id", "=", message.id)
        .where("status", "=", message.status)
        .executeTakeFirst();
      if (Number(updated.numUpdatedRows) > 0) break;
      if (attempt >= 5) return { handled: true, applied: false, messageId: message.id, status: current };
    }
    if (update.failureReason === "opted_out") {
      await ctx.consent.record({
        channel: "sms",
        contactPoint: message.to,
        personId: message.personId,
        kind: "opt_out",
        source: "provider_report",
        rawText: `status callback error ${update.errorCode ?? "opted_out"}`,
        campaignId: message.campaignId,
      });
    } else if (update.failureReason === "not_sms_capable") {
      await ctx.db
        .insertInto("phoneLineType")
        .values({
          organizationId: ctx.organizationId,
          number: message.to,
          lineType: "landline",
          source: "provider_error",
          checkedAt: at,
        })
        .onConflict((oc) =>
          oc
            .columns(["organizationId", "number"])
            .doUpdateSet({ lineType: "landline", source: "provider_error", checkedAt: at }),
        )
        .execute();
    }
    ctx.bus.emit("message.status", {
      messageId: message.id,
      providerId: update.providerId,
      campaignId: message.campaignId,
      from: current,
      to: update.status,
      errorCode: update.errorCode ?? null,
    });
    return { handled: true, applied: true, messageId: message.id, status: update.status };
  }

  /** Finds or opens the conversation of (our number, their number). */
  async #thread(
    ours: string,
    theirs: string,
    personId: string | null,
    at: string,
  ): Promise<{ id: string; campaignId: string | null; personId: string | null; assigneeId: string | null }> {
    const ctx = this.#ctx;
    const exact = await ctx.db
      .selectFrom("conversation")
      .select(["id", "campaignId", "personId", "assigneeId"])
      .where("organizationId", "=", ctx.organizationId)
      .where("channel", "=", "sms")
      .where("ourAddress", "=", ours)
      .where("theirAddress", "=", theirs)
      .executeTakeFirst();
    if (exact) return exact;
    // A Messaging Service sends from a pool, so the campaign's message may not name this exact number:
    // the reply belongs to the latest text we sent to them.
    const last = await ctx.db
      .selectFrom("message")
      .select(["campaignId", "personId", "conversationId"])
      .where("organizationId", "=", ctx.organizationId)
      .where("direction", "=", "outbound")
      .where("to", "=", theirs)
      .orderBy("sentAt", "desc")
      .executeTakeFirst();
    if (last?.conversationId) {
      const linked = await ctx.db
        .selectFrom("conversation")
        .select(["id", "campaignId", "personId", "assigneeId"])
        .where("id", "=", last.conversationId)
        .executeTakeFirst();
      if (linked) return linked;
    }
    const id = newId();
    const row = {
      id,
      organizationId: ctx.organizationId,
      createdAt: at,
      updatedAt: at,
      channel: "sms",
      ourAddress: ours,
      theirAddress: theirs,
      personId: last?.personId ?? personId,
      campaignId: last?.campaignId ?? null,
      assigneeId: null,
      status: "open",
      tags: "[]",
      lastMessageAt: at,
      lastInboundAt: null,
      lastOutboundAt: null,
    };
    const inserted = await ctx.db
      .insertInto("conversation")
      .values(row)
      .onConflict((oc) => oc.columns(["organizationId", "channel", "ourAddress", "theirAddress"]).doNothing())
      .executeTakeFirst();
    if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 0) return this.#thread(ours, theirs, personId, at);
    return { id, campaignId: row.campaignId, personId: row.personId, assigneeId: null };
  }

  /** Creates the person behind the voter our latest text to this number went to, and links them. */
  async #personFromVoter(phone: string, conversationId: string): Promise<string | null> {
    const ctx = this.#ctx;
    const sent = await ctx.db
      .selectFrom("outbox")
      .select("voterId")
      .where("organizationId", "=", ctx.organizationId)
      .where("contactPoint", "=", phone)
      .where("state", "=", "sent")
      .where("voterId", "is not", null)
      .orderBy("sentAt", "desc")
      .executeTakeFirst();
    if (!sent?.voterId) return null;
    const voter = await ctx.voters.get(sent.voterId);
    if (!voter) return null;
    if (voter.personId) return voter.personId;
    const { person } = await ctx.people.upsert({
      givenName: voter.givenName,
      familyName: voter.familyName,
      phoneNumbers: [{ number: phone, primary: true }],
      identifiers: [`voter:${voter.id}`],
    } as never);
    await ctx.voters.link(voter.id, person.id);
    await ctx.db
      .updateTable("conversation")
      .set({ personId: person.id })
      .where("id", "=", conversationId)
      .execute();
    return person.id;
  }

  /** An opt-out stops everything not yet handed to the provider for that number, at once. */
  async #cancelPending(contactPoint: string, at: string): Promise<void> {
    await this.#ctx.db
      .updateTable("outbox")
      .set({ state: "blocked", reason: "opted_out", updatedAt: at })
      .where("organizationId", "=", this.#ctx.organizationId)
      .where("contactPoint", "=", contactPoint)
      .where("kind", "<>", "system")
      .where("state", "in", ["unassigned", "assigned", "pending", "waiting"])
      .execute();
  }

  async #markWrongNumber(personId: string, number: string): Promise<void> {
    await this.#ctx.db
      .updateTable("personPhone")
      .set({ status: "wrong_number" })
      .where("organizationId", "=", this.#ctx.organizationId)
      .where("personId", "=", personId)
      .where("number", "=", number)
      .execute();
  }

  /**
   * Matches a reply to the campaign's survey question: a response key or label, case- and
   * punctuation-insensitive, or the response's position ("1", "2"). Free-text questions take the reply.
   */
  async #surveyAnswer(
    campaignId: string,
    personId: string,
    body: string,
    at: string,
  ): Promise<string | null> {
    const ctx = this.#ctx;
    const campaign = await ctx.db
      .selectFrom("campaign")
      .select("script")
      .where("id", "=", campaignId)
      .executeTakeFirst();
    const questionId = fromJson<{ surveyQuestionId?: string | null }>(campaign?.script, {}).surveyQuestionId;
    if (!questionId) return null;
    const question = await ctx.db
      .selectFrom("surveyQuestion")
      .select(["id", "kind", "responses"])
      .where("id", "=", questionId)
      .executeTakeFirst();
    if (!question) return null;
    const responses = fromJson<{ key: string; label: string }[]>(question.responses, []);
    const said = simplify(body);
    let value: string | null = null;
    if (question.kind === "text") value = body.trim();
    else {
      const index = /^\d+$/.test(said) ? Number(said) - 1 : -1;
      const found =
        responses.find((r) => simplify(r.key) === said || simplify(r.label) === said) ??
        (index >= 0 ? responses[index] : undefined) ??
        responses.find((r) => said.split(" ").includes(simplify(r.key)));
      value = found?.key ?? null;
    }
    if (value === null) return null;
    await ctx.db
      .insertInto("surveyResponse")
      .values({
        id: newId(),
        organizationId: ctx.organizationId,
        createdAt: at,
        updatedAt: at,
        questionId,
        personId,
        value,
        interactionId: null,
        respondedAt: at,
      })
      .execute();
    return value;
  }
}

function simplify(text: string): string {
  return text
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9 ]+/g, " ")
    .replace(/\s+/g, " ")
    .trim();
}

function defaultOptOutConfirmation(organization: string): string {
  return `${organization}: you are unsubscribed and will receive no more texts. Reply START to resubscribe.`;
}

function defaultOptInConfirmation(organization: string): string {
  return `${organization}: you are subscribed again. Reply STOP to opt out, HELP for help.`;
}
