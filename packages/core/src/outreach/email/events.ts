/**
 * What comes back from the email provider: delivery events move messages forward, bounces, spam reports
 * and unsubscribes become consent events, opens and clicks become interactions, and a campaign whose
 * complaint rate climbs warns and then pauses itself. One-click unsubscribes land here too.
 *
 * @module
 */
import { sql } from "kysely";
import { isMessageStatus, isStatusAdvance, type MessageStatus } from "../../spec/contracts/common.js";
import type { EmailEvent } from "../../spec/contracts/email-transport.js";
import { newId } from "../../storage/codec.js";
import type { OutreachContext } from "../context.js";
import { firstDeliveries } from "../deliveries.js";
import type { UnsubscribeClaim } from "./unsubscribe.js";

/** Complaint rate above which a campaign warns (Gmail's bulk-sender guidance: stay under 0.1%). */
export const COMPLAINT_WARN_RATE = 0.001;
/** Complaint rate at which a campaign pauses itself. */
export const COMPLAINT_PAUSE_RATE = 0.003;
/**
 * The complaint rate is complaints over sends, counting at least this many sends: two complaints in the
 * first hundred emails are a signal to watch, not proof that the list is bad.
 */
export const COMPLAINT_MIN_SAMPLE = 1000;

/** The `rawText` of a consent event appended for a spam complaint (how complaints are counted). */
const SPAM_COMPLAINT = "spam complaint";

/** What applying a webhook's events did. */
export interface EmailEventsResult {
  /** Events applied. */
  readonly applied: number;
  /** Events seen before (provider retries): nothing done again. */
  readonly duplicates: number;
}

/** @internal Applies email events and unsubscribes for one organization. */
export class EmailEvents {
  readonly #ctx: OutreachContext;
  readonly #onPause: (campaignId: string) => void;
  readonly #warned = new Set<string>();

  constructor(ctx: OutreachContext, onPause: (campaignId: string) => void) {
    this.#ctx = ctx;
    this.#onPause = onPause;
  }

  /** The organization whose events these are (unsubscribe tokens must name it). */
  get organizationId(): string {
    return this.#ctx.organizationId;
  }

  /**
   * Applies parsed events in one transaction: their delivery keys, message statuses, consent events and
   * interactions commit together, so a crash leaves none of a webhook's effects and the provider's retry
   * applies them all.
   */
  async apply(events: readonly EmailEvent[]): Promise<EmailEventsResult> {
    const ctx = this.#ctx;
    const provider = ctx.plugins.email?.provider ?? "email";
    const at = ctx.clock().toISOString();
    const emits: (() => void)[] = [];
    const complained = new Set<string>();
    let applied = 0;
    let duplicates = 0;
    await ctx.db.transaction().execute(async (trx) => {
      const fresh = await firstDeliveries(
        trx,
        ctx.organizationId,
        provider,
        events.map((event) => `email:${event.eventId}`),
        at,
      );
      // Our outbox id rides along as a custom arg on every event of a message.
      const outboxIds = [
        ...new Set(
          events
            .map((event) => event.customArgs?.precinct_message_id)
            .filter((id): id is string => typeof id === "string"),
        ),
      ];
      const outbox = new Map<
        string,
        { messageId: string | null; campaignId: string | null; personId: string | null }
      >();
      for (let start = 0; start < outboxIds.length; start += 500) {
        const rows = await trx
          .selectFrom("outbox")
          .select(["id", "messageId", "campaignId", "personId", "organizationId"])
          .where("id", "in", outboxIds.slice(start, start + 500))
          .execute();
        for (const row of rows) if (row.organizationId === ctx.organizationId) outbox.set(row.id, row);
      }
      const messageIds = [
        ...new Set([...outbox.values()].map((o) => o.messageId).filter((id): id is string => !!id)),
      ];
      const messages = new Map<
        string,
        { status: MessageStatus; errorMessage: string | null; changed: boolean }
      >();
      for (let start = 0; start < messageIds.length; start += 500) {
        let query = trx
          .selectFrom("message")
          .select(["id", "status"])
          .where("id", "in", messageIds.slice(start, start + 500));
        if (ctx.dialect === "postgres") query = query.forUpdate();
        for (const row of await query.execute()) {
          messages.set(row.id, {
            status: isMessageStatus(row.status) ? row.status : "queued",
            errorMessage: null,
            changed: false,
          });
        }
      }
      const seen = new Set<string>();
      for (const event of events) {
        const key = `email:${event.eventId}`;
        if (!fresh.has(key) || seen.has(key)) {
          duplicates += 1;
          continue;
        }
        seen.add(key);
        applied += 1;
        const source = event.customArgs?.precinct_message_id
          ? outbox.get(event.customArgs.precinct_message_id)
          : undefined;
        const campaignId = source?.campaignId ?? event.customArgs?.precinct_campaign_id ?? null;
        const personId = source?.personId ?? null;
        const move = (status: MessageStatus, reason: string | null) => {
          const message = source?.messageId ? messages.get(source.messageId) : undefined;
          if (!message || !source?.messageId || !isStatusAdvance(message.status, status)) return;
          const from = message.status;
          message.status = status;
          message.errorMessage = reason;
          message.changed = true;
          const payload = {
            messageId: source.messageId,
            providerId: event.providerId ?? "",
            campaignId,
            from,
            to: status,
            errorCode: null,
          };
          emits.push(() => ctx.bus.emit("message.status", payload));
        };
        const revoke = async (rawText: string, kind: "opt_out" | "opt_in" = "opt_out") => {
          await ctx.consent.record(
            {
              channel: "email",
              contactPoint: event.email,
              personId,
              kind,
              source: event.type === "unsubscribe" ? "unsubscribe_link" : "provider_report",
              rawText,
              campaignId,
              occurredAt: event.occurredAt.toISOString(),
            },
            { db: trx },
          );
        };
        const interaction = async (outcome: string, notes: string | null) => {
          if (!personId) return;
          await trx
            .insertInto("interaction")
            .values({
              id: newId(),
              organizationId: ctx.organizationId,
              createdAt: at,
              updatedAt: at,
              personId,
              channel: "email",
              outcome,
              resultCode: null,
              volunteerId: null,
              campaignId,
              notes,
              occurredAt: event.occurredAt.toISOString(),
            })
            .execute();
        };
        switch (event.type) {
          case "processed":
          case "deferred":
            // Accepted, or being retried by the provider: nothing to change yet.
            break;
          case "delivered":
            move("delivered", null);
            break;
          case "dropped":
            move("failed", event.reason ?? "dropped");
            break;
          case "bounce":
            move("undelivered", event.reason ?? event.bounceType);
            if (event.bounceType === "bounce") {
              // A hard bounce: suppress the address for good, and mark it undeliverable on the person.
              await revoke(`hard bounce${event.reason ? `: ${event.reason}` : ""}`);
              await trx
                .updateTable("personEmail")
                .set({ status: "bouncing" })
                .where("organizationId", "=", ctx.organizationId)
                .where("address", "=", event.email)
                .execute();
            }
            break;
          case "spamreport":
            await revoke(SPAM_COMPLAINT);
            await interaction("complained", null);
            if (campaignId) complained.add(campaignId);
            break;
          case "unsubscribe":
            await revoke("unsubscribed");
            break;
          case "group_unsubscribe":
            // Precinct has no topic lists yet: leaving any group is leaving the organization's email.
            await revoke(`unsubscribed from group ${event.groupId}`);
            break;
          case "group_resubscribe":
            await revoke(`resubscribed to group ${event.groupId}`, "opt_in");
            break;
          case "open":
            await interaction("opened", null);
            break;
          case "click":
            await interaction("clicked", event.url);
            break;
        }
      }
      const changed = [...messages.entries()].filter(([, message]) => message.changed);
      for (let start = 0; start < changed.length; start += 200) {
        const rows = changed.slice(start, start + 200);
        await sql`WITH v (id, status, error_message) AS (VALUES ${sql.join(
          rows.map(([id, message]) => sql`(${id}, ${message.status}, ${message.errorMessage})`),
        )})
          UPDATE message SET status = v.status, error_message = v.error_message, updated_at = ${at}
          FROM v WHERE message.id = v.id`.execute(trx);
      }
    });
    for (const emit of emits) emit();
    for (const campaignId of complained) await this.#checkComplaints(campaignId);
    return { applied, duplicates };
  }

  /** Warns past {@link COMPLAINT_WARN_RATE} and pauses the campaign at {@link COMPLAINT_PAUSE_RATE}. */
  async #checkComplaints(campaignId: string): Promise<void> {
    const ctx = this.#ctx;
    const complaints = await ctx.db
      .selectFrom("consentEvent")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .where("organizationId", "=", ctx.organizationId)
      .where("campaignId", "=", campaignId)
      .where("channel", "=", "email")
      .where("rawText", "=", SPAM_COMPLAINT)
      .executeTakeFirstOrThrow();
    const sent = await ctx.db
      .selectFrom("message")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .where("organizationId", "=", ctx.organizationId)
      .where("campaignId", "=", campaignId)
      .where("direction", "=", "outbound")
      .executeTakeFirstOrThrow();
    const count = Number(complaints.n);
    const rate = count / Math.max(Number(sent.n), COMPLAINT_MIN_SAMPLE);
    const detail = `${count} spam complaints over ${Number(sent.n)} emails sent (${(rate * 100).toFixed(2)}%)`;
    if (rate >= COMPLAINT_PAUSE_RATE) {
      const at = ctx.clock().toISOString();
      const paused = await ctx.db
        .updateTable("campaign")
        .set({ status: "paused", pausedReason: "complaint_rate", updatedAt: at })
        .where("id", "=", campaignId)
        .where("organizationId", "=", ctx.organizationId)
        .where("status", "=", "running")
        .executeTakeFirst();
      if (Number(paused.numUpdatedRows) > 0) {
        this.#onPause(campaignId);
        ctx.bus.emit("campaign.paused", { campaignId, reason: "complaint_rate", detail });
      }
    } else if (rate > COMPLAINT_WARN_RATE && !this.#warned.has(campaignId)) {
      this.#warned.add(campaignId);
      ctx.bus.emit("campaign.warning", { campaignId, reason: "complaint_rate", detail });
    }
  }

  /**
   * Honours a one-click unsubscribe (or the confirmation page's button). Idempotent: an address already
   * opted out gets no second event.
   *
   * @returns True when this call opted the address out.
   */
  async unsubscribe(claim: UnsubscribeClaim): Promise<boolean> {
    const ctx = this.#ctx;
    const [current] = await ctx.consent.statuses("email", [claim.email]);
    if (current?.status === "opted_out") return false;
    const person = await ctx.db
      .selectFrom("personEmail")
      .select("personId")
      .where("organizationId", "=", ctx.organizationId)
      .where("address", "=", claim.email)
      .executeTakeFirst();
    await ctx.consent.record({
      channel: "email",
      contactPoint: claim.email,
      personId: person?.personId ?? null,
      kind: "opt_out",
      source: "unsubscribe_link",
      rawText: "one-click unsubscribe",
      campaignId: claim.campaignId,
    });
    return true;
  }
}
