/**
 * What comes back from the carrier: replies (classified, threaded, turned into consent events and survey
 * answers) and delivery status callbacks (applied only when they move a message forward).
 *
 * @module
 */
import { type Kysely, type Selectable, sql, type Transaction } from "kysely";
import {
  isMessageStatus,
  isStatusAdvance,
  MESSAGE_STATUS_ORDER,
  type MessageStatus,
} from "../spec/contracts/common.js";
import type { InboundSms, SmsFailureReason, StatusUpdate } from "../spec/contracts/sms-transport.js";
import type { PrecinctEventMap } from "../spec/events.js";
import { fromJson, newId, toJson } from "../storage/codec.js";
import type { Database, ParkedStatusTable } from "../storage/schema.js";
import type { OutreachContext } from "./context.js";
import { insertOutbox } from "./outbox.js";
import { classifyReply, type ReplyClassification } from "./replies/index.js";

/** Status callbacks applied in one transaction, at most. */
const STATUS_BATCH = 500;
/** Days a parked status callback waits for its message before it is dropped. */
const PARKED_DAYS = 7;

/**
 * What a status callback does to a message whose status is `current`: null when it moves the message
 * forward (and is to be applied), else its result. The message row is the record of what its callbacks
 * did: one that reports the status the message already has is a provider's retry (or news already
 * applied) and does nothing again, which is the dedupe by (provider id, status) at no table of its own;
 * one that would move it backwards or out of a terminal status is handled and not applied.
 */
function unmoved(messageId: string, current: MessageStatus, update: StatusUpdate): StatusResult | null {
  if (current === update.status) return { handled: false, applied: false, messageId: null, status: null };
  if (!isStatusAdvance(current, update.status)) {
    return { handled: true, applied: false, messageId, status: current };
  }
  return null;
}

/** A message a batch of status callbacks names, as read, and the moves the batch decides for it. */
interface StatusTarget {
  readonly id: string;
  /** The status the message had when read: what the batch's write is guarded by (PostgreSQL plain path). */
  readonly read: MessageStatus;
  status: MessageStatus;
  readonly campaignId: string | null;
  readonly personId: string | null;
  readonly to: string;
  errorCode: string | null;
  errorMessage: string | null;
}

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
  /**
   * False for a repeat: the message already has the status the callback reports (a provider's retry, or
   * news already applied), so nothing was done again.
   */
  readonly handled: boolean;
  /** Whether the message's status changed (callbacks arrive out of order: never backwards). */
  readonly applied: boolean;
  /** The message, when known. */
  readonly messageId: string | null;
  /** Its status after the callback. */
  readonly status: MessageStatus | null;
  /**
   * True when the message was not written yet (a fast provider can report before the dispatcher's batched
   * write commits): the callback is kept and applied as soon as the message row appears.
   */
  readonly parked?: boolean;
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

  /** True when a provider event key was recorded: the event was handled completely. */
  async #handled(key: string): Promise<boolean> {
    const provider = this.#ctx.plugins.sms?.provider ?? "sms";
    const row = await this.#ctx.db
      .selectFrom("webhookEvent")
      .select("eventKey")
      .where("organizationId", "=", this.#ctx.organizationId)
      .where("provider", "=", provider)
      .where("eventKey", "=", key)
      .executeTakeFirst();
    return row !== undefined;
  }

  /** Inbound texts being handled in this process, so a retry arriving meanwhile is not handled twice. */
  readonly #receiving = new Set<string>();

  /**
   * Handles one inbound text. Idempotent per provider id.
   *
   * The delivery is marked handled only after everything it causes is written: a crash part-way leaves it
   * unmarked, the provider's retry handles it again, and nothing it asked for (an opt-out above all) is
   * lost. What the first try already wrote is reused (the message row) or harmless to repeat (the consent
   * ledger is append-only; the automatic reply is keyed by the provider id).
   */
  async receive(inbound: InboundSms): Promise<InboundResult> {
    const key = `inbound:${inbound.providerId}`;
    if (this.#receiving.has(key) || (await this.#handled(key))) {
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
    this.#receiving.add(key);
    try {
      const result = await this.#receive(inbound);
      await this.#firstTime(key);
      return result;
    } finally {
      this.#receiving.delete(key);
    }
  }

  async #receive(inbound: InboundSms): Promise<InboundResult> {
    const ctx = this.#ctx;
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
    // A first try that died after storing the message: keep that row.
    const earlier = await ctx.db
      .selectFrom("message")
      .select("id")
      .where("organizationId", "=", ctx.organizationId)
      .where("providerId", "=", inbound.providerId)
      .where("direction", "=", "inbound")
      .executeTakeFirst();
    const messageId = earlier?.id ?? newId();
    if (!earlier)
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
        ctx.dialect,
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

  /**
   * Applies one status callback, forward only. Idempotent per (message, status): the message row records
   * what its callbacks did, so a callback reporting the status the message already has is a repeat.
   *
   * Callbacks arriving together are applied together: one transaction moves their messages and appends
   * what they teach (a carrier opt-out, a landline), so a crash leaves either all of a callback's effects
   * or none, and a retry of one that was lost is applied, not skipped.
   */
  status(update: StatusUpdate): Promise<StatusResult> {
    return this.#enqueue(update, false);
  }

  #enqueue(update: StatusUpdate, fromParked: boolean): Promise<StatusResult> {
    return new Promise((resolve, reject) => {
      this.#statusQueue.push({ update, resolve, reject, fromParked });
      if (!this.#statusDraining) {
        this.#statusDraining = true;
        // The next turn of the event loop: callbacks being verified right now join this batch.
        setImmediate(() => void this.#drainStatuses());
      }
    });
  }

  readonly #statusQueue: {
    readonly update: StatusUpdate;
    readonly resolve: (result: StatusResult) => void;
    readonly reject: (error: unknown) => void;
    /** A parked callback whose message now exists: its parked row goes when it is applied. */
    readonly fromParked: boolean;
  }[] = [];
  #statusDraining = false;

  async #drainStatuses(): Promise<void> {
    try {
      while (this.#statusQueue.length > 0) {
        const batch = this.#statusQueue.splice(0, STATUS_BATCH);
        try {
          const results = await this.#applyStatuses(
            batch.map((item) => item.update),
            batch.map((item) => item.fromParked),
          );
          for (const [i, item] of batch.entries()) item.resolve(results[i]!);
          const waiting = results.flatMap((result, i) =>
            result.parked && !batch[i]!.fromParked ? [batch[i]!.update.providerId] : [],
          );
          // The message row may have been written while these callbacks were being parked, and the
          // dispatcher's look for parked callbacks then came too early: look once more, now that they are.
          if (waiting.length > 0) {
            try {
              for (const update of await this.#parkedReady(waiting)) {
                this.#enqueue(update, true).catch((error: unknown) =>
                  console.error("precinct: a parked status callback could not be applied yet:", error),
                );
              }
            } catch (error) {
              console.error("precinct: looking up parked status callbacks failed:", error);
            }
          }
        } catch (error) {
          if (batch.length === 1) {
            batch[0]!.reject(error);
            continue;
          }
          // One bad callback must not fail its neighbours: apply them one by one.
          for (const item of batch) {
            try {
              item.resolve((await this.#applyStatuses([item.update], [item.fromParked]))[0]!);
            } catch (single) {
              item.reject(single);
            }
          }
        }
      }
    } finally {
      this.#statusDraining = false;
    }
  }

  async #applyStatuses(
    updates: readonly StatusUpdate[],
    fromParked: readonly boolean[],
  ): Promise<StatusResult[]> {
    if (this.#ctx.dialect === "postgres" && !fromParked.some(Boolean)) {
      const applied = await this.#applyPlainStatuses(updates);
      if (applied) return applied;
    }
    return this.#applyLockedStatuses(updates, fromParked);
  }

  /**
   * PostgreSQL's path for a batch of plain status moves (none with a consent or line-type effect, none
   * parked, every message written): two statements instead of a transaction of four round trips. The
   * messages are read without a lock, the moves decided as the locked path below decides them, and
   * written by one UPDATE guarded by the status each message was read with. A message
   * another process moved in between is not written by it; that message's callbacks then go through the
   * locked path, which finds them applied or applies them. Returns null (nothing written) when the batch
   * is not plain.
   */
  async #applyPlainStatuses(updates: readonly StatusUpdate[]): Promise<StatusResult[] | null> {
    const ctx = this.#ctx;
    if (updates.some((u) => u.failureReason === "opted_out" || u.failureReason === "not_sms_capable")) {
      return null;
    }
    const wanted = [...new Set(updates.map((update) => update.providerId))];
    const messages = await this.#statusTargets(ctx.db, wanted, false);
    // A callback whose message is not written yet is parked, in a transaction: the locked path does that.
    if (messages.size < wanted.length) return null;
    const results: StatusResult[] = [];
    const events: { providerId: string; event: PrecinctEventMap["message.status"] }[] = [];
    for (const update of updates) {
      const message = messages.get(update.providerId)!;
      const stays = unmoved(message.id, message.status, update);
      if (stays) {
        results.push(stays);
        continue;
      }
      events.push({
        providerId: update.providerId,
        event: {
          messageId: message.id,
          providerId: update.providerId,
          campaignId: message.campaignId,
          from: message.status,
          to: update.status,
          errorCode: update.errorCode ?? null,
        },
      });
      message.status = update.status;
      message.errorCode = update.errorCode ?? null;
      message.errorMessage = update.failureReason ?? null;
      results.push({ handled: true, applied: true, messageId: message.id, status: update.status });
    }
    const changed = [...messages.values()].filter((message) => message.status !== message.read);
    const written = new Set<string>();
    const at = ctx.clock().toISOString();
    for (let start = 0; start < changed.length; start += 200) {
      const rows = changed.slice(start, start + 200);
      const { rows: done } = await sql<{
        id: string;
      }>`WITH v (id, read, status, error_code, error_message) AS (
          VALUES ${sql.join(
            rows.map(
              (row) => sql`(${row.id}, ${row.read}, ${row.status}, ${row.errorCode}, ${row.errorMessage})`,
            ),
          )})
        UPDATE message SET status = v.status, error_code = v.error_code, error_message = v.error_message,
          updated_at = ${at}
        FROM v WHERE message.id = v.id AND message.status = v.read
        RETURNING message.id`.execute(ctx.db);
      for (const { id } of done) written.add(id);
    }
    // Moved by another process since the read: this batch's callbacks for those messages start over.
    const lost = new Set(changed.filter((message) => !written.has(message.id)).map((message) => message.id));
    if (lost.size > 0) {
      const again = updates.flatMap((update, i) =>
        lost.has(messages.get(update.providerId)!.id) ? [i] : [],
      );
      const redone = await this.#applyLockedStatuses(
        again.map((i) => updates[i]!),
        again.map(() => false),
      );
      for (const [j, i] of again.entries()) results[i] = redone[j]!;
    }
    for (const { providerId, event } of events) {
      if (!lost.has(messages.get(providerId)!.id)) ctx.bus.emit("message.status", event);
    }
    return results;
  }

  /**
   * The outbound messages of this organization that status callbacks name, by provider id, each with the
   * status it was read with (`read`) and room for the moves a batch decides. Read by provider id alone, so
   * every database plans it on message_provider_idx (SQLite, lacking statistics, would otherwise walk the
   * organization's every message); organization and direction are checked here. With `lock` (inside the
   * locked path's transaction, on PostgreSQL) the rows are locked in id order: another process applying a
   * callback for the same message waits, then finds it a repeat, and two batches sharing messages wait for
   * each other instead of deadlocking.
   */
  async #statusTargets(
    db: Kysely<Database> | Transaction<Database>,
    providerIds: readonly string[],
    lock: boolean,
  ): Promise<Map<string, StatusTarget>> {
    const ctx = this.#ctx;
    const targets = new Map<string, StatusTarget>();
    for (let start = 0; start < providerIds.length; start += 500) {
      let query = db
        .selectFrom("message")
        .select(["id", "organizationId", "direction", "status", "campaignId", "personId", "to", "providerId"])
        .where("providerId", "in", providerIds.slice(start, start + 500));
      if (lock && ctx.dialect === "postgres") query = query.orderBy("id").forUpdate();
      for (const row of await query.execute()) {
        if (row.organizationId !== ctx.organizationId || row.direction !== "outbound") continue;
        const status = isMessageStatus(row.status) ? row.status : "queued";
        targets.set(row.providerId!, {
          id: row.id,
          read: status,
          status,
          campaignId: row.campaignId,
          personId: row.personId,
          to: row.to,
          errorCode: null,
          errorMessage: null,
        });
      }
    }
    return targets;
  }

  /**
   * Applies a batch of status callbacks in one transaction that locks their messages (on PostgreSQL):
   * forward only, deduplicated by the message's status, with what they teach (a carrier opt-out, a
   * landline); callbacks whose message is not written yet are parked.
   */
  async #applyLockedStatuses(
    updates: readonly StatusUpdate[],
    fromParked: readonly boolean[],
  ): Promise<StatusResult[]> {
    const ctx = this.#ctx;
    const at = ctx.clock().toISOString();
    const emits: (() => void)[] = [];
    const results = await ctx.db.transaction().execute(async (trx) => {
      const messages = await this.#statusTargets(
        trx,
        [...new Set(updates.map((update) => update.providerId))],
        true,
      );
      const parkedKeys = new Set<string>();
      const results: StatusResult[] = [];
      const parked: StatusUpdate[] = [];
      const unparked: StatusUpdate[] = [];
      for (const [i, update] of updates.entries()) {
        const message = messages.get(update.providerId);
        if (!message) {
          // Not written yet (the dispatcher writes message rows in batches after the provider took them):
          // kept, and applied when the row appears. The same callback twice in one batch is kept once.
          const key = `${update.providerId}:${update.status}`;
          if (parkedKeys.has(key)) {
            results.push({ handled: false, applied: false, messageId: null, status: null });
            continue;
          }
          parkedKeys.add(key);
          parked.push(update);
          results.push({ handled: true, applied: false, messageId: null, status: null, parked: true });
          continue;
        }
        // A parked callback whose message exists goes from the parked table here, with its effects or as
        // a repeat.
        if (fromParked[i]) unparked.push(update);
        const stays = unmoved(message.id, message.status, update);
        if (stays) {
          results.push(stays);
          continue;
        }
        const from = message.status;
        message.status = update.status;
        message.errorCode = update.errorCode ?? null;
        message.errorMessage = update.failureReason ?? null;
        if (update.failureReason === "opted_out") {
          await ctx.consent.record(
            {
              channel: "sms",
              contactPoint: message.to,
              personId: message.personId,
              kind: "opt_out",
              source: "provider_report",
              rawText: `status callback error ${update.errorCode ?? "opted_out"}`,
              campaignId: message.campaignId,
            },
            { db: trx },
          );
        } else if (update.failureReason === "not_sms_capable") {
          await trx
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
        const event = {
          messageId: message.id,
          providerId: update.providerId,
          campaignId: message.campaignId,
          from,
          to: update.status,
          errorCode: update.errorCode ?? null,
        };
        emits.push(() => ctx.bus.emit("message.status", event));
        results.push({ handled: true, applied: true, messageId: message.id, status: update.status });
      }
      const changed = [...messages.values()].filter((message) => message.status !== message.read);
      for (let start = 0; start < changed.length; start += 200) {
        const rows = changed.slice(start, start + 200);
        await sql`WITH v (id, status, error_code, error_message) AS (VALUES ${sql.join(
          rows.map((row) => sql`(${row.id}, ${row.status}, ${row.errorCode}, ${row.errorMessage})`),
        )})
          UPDATE message SET status = v.status, error_code = v.error_code, error_message = v.error_message,
            updated_at = ${at}
          FROM v WHERE message.id = v.id`.execute(trx);
      }
      if (parked.length > 0) await this.#park(trx, parked, at);
      for (const update of unparked) {
        await trx
          .deleteFrom("parkedStatus")
          .where("organizationId", "=", ctx.organizationId)
          .where("providerId", "=", update.providerId)
          .where("status", "=", update.status)
          .execute();
      }
      return results;
    });
    for (const emit of emits) emit();
    return results;
  }

  /**
   * Keeps status callbacks whose message is not written yet, once per (provider id, status): a provider's
   * retry of one is kept as the same row, not skipped; parked rows older than a week that
   * never found their message are dropped (a carrier opt-out among them is
   * recorded first, by number, so it is never lost).
   */
  async #park(trx: Transaction<Database>, parked: readonly StatusUpdate[], at: string): Promise<void> {
    const ctx = this.#ctx;
    for (const update of parked) {
      await trx
        .insertInto("parkedStatus")
        .values({
          organizationId: ctx.organizationId,
          providerId: update.providerId,
          status: update.status,
          errorCode: update.errorCode ?? null,
          failureReason: update.failureReason ?? null,
          occurredAt: update.occurredAt?.toISOString() ?? null,
          raw: toJson(update.raw),
          receivedAt: at,
        })
        .onConflict((oc) => oc.columns(["organizationId", "providerId", "status"]).doNothing())
        .execute();
    }
    const cutoff = new Date(Date.parse(at) - PARKED_DAYS * 24 * 3600 * 1000).toISOString();
    const stale = await trx
      .deleteFrom("parkedStatus")
      .where("organizationId", "=", ctx.organizationId)
      .where("receivedAt", "<", cutoff)
      .returning(["providerId", "failureReason", "raw"])
      .execute();
    for (const row of stale) {
      const to = fromJson<Record<string, unknown>>(row.raw, {}).To;
      if (row.failureReason !== "opted_out" || typeof to !== "string") continue;
      await ctx.consent.record(
        {
          channel: "sms",
          contactPoint: to,
          kind: "opt_out",
          source: "provider_report",
          rawText: `status callback for unknown message ${row.providerId}`,
        },
        { db: trx },
      );
    }
  }

  /**
   * @internal Applies parked status callbacks (see {@link StatusResult.parked}) whose message rows now
   * exist, through the ordinary path: forward only, deduplicated, with what they teach (a carrier
   * opt-out, a landline); each parked row goes in the transaction that applies it. The dispatcher calls
   * it after writing message rows. Returns how many it applied.
   */
  async applyParked(providerIds: readonly string[]): Promise<number> {
    const ready = await this.#parkedReady(providerIds);
    const results = await Promise.all(ready.map((update) => this.#enqueue(update, true)));
    return results.filter((result) => result.applied).length;
  }

  /** Parked callbacks of these provider ids whose message row exists, oldest first. */
  async #parkedReady(providerIds: readonly string[]): Promise<StatusUpdate[]> {
    const ctx = this.#ctx;
    // Nearly always nothing is parked: one indexed probe, not a lookup of every id.
    const parkedOne = await ctx.db
      .selectFrom("parkedStatus")
      .select("providerId")
      .where("organizationId", "=", ctx.organizationId)
      .limit(1)
      .executeTakeFirst();
    if (!parkedOne) return [];
    const unique = [...new Set(providerIds)];
    const rows: Selectable<ParkedStatusTable>[] = [];
    for (let start = 0; start < unique.length; start += 500) {
      rows.push(
        ...(await ctx.db
          .selectFrom("parkedStatus")
          .selectAll()
          .where("organizationId", "=", ctx.organizationId)
          .where("providerId", "in", unique.slice(start, start + 500))
          .where((eb) =>
            eb.exists(
              eb
                .selectFrom("message")
                .select("message.id")
                .whereRef("message.providerId", "=", "parkedStatus.providerId"),
            ),
          )
          .execute()),
      );
    }
    // In arrival order; callbacks parked in one instant in the order a message moves.
    const rank = (status: string) => (isMessageStatus(status) ? MESSAGE_STATUS_ORDER[status] : 0);
    rows.sort((a, b) => a.receivedAt.localeCompare(b.receivedAt) || rank(a.status) - rank(b.status));
    return rows.map((row) => ({
      providerId: row.providerId,
      status: row.status as MessageStatus,
      ...(row.errorCode !== null ? { errorCode: row.errorCode } : {}),
      ...(row.failureReason !== null ? { failureReason: row.failureReason as SmsFailureReason } : {}),
      ...(row.occurredAt !== null ? { occurredAt: new Date(row.occurredAt) } : {}),
      raw: fromJson<Record<string, unknown>>(row.raw, {}),
    }));
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
