/**
 * The dispatcher: claims ready outbox rows, passes each through the compliance gate one last time, and
 * hands it to the SMS transport at the provider's rate, with retries for retryable errors only.
 *
 * Crash safety comes from the order of writes: the outbox row exists before any provider call; a claim
 * marks it `sending` with a lease; the provider's answer is written afterwards. A process killed between
 * the provider call and that write leaves a `sending` row whose lease runs out; the next dispatcher asks
 * the transport what happened (`findSent`), resends when the provider dedupes by key, or — when neither is
 * possible — sets the row aside as `uncertain`. Nothing is sent twice and nothing is forgotten.
 *
 * @module
 */
import { sql } from "kysely";
import PQueue from "p-queue";
import type { EmailSendResult, OutboundEmail } from "../spec/contracts/email-transport.js";
import { hasCapability } from "../spec/contracts/plugins.js";
import type { OutboundSms, SmsFailureReason, SmsSendResult } from "../spec/contracts/sms-transport.js";
import { ConfigError, PrecinctError } from "../spec/errors.js";
import type { Campaign } from "../spec/model/outreach.js";
import { bulkInsert, nextTurn } from "../storage/bulk.js";
import { fromJson, newId } from "../storage/codec.js";
import type { OutreachContext } from "./context.js";
import {
  applySubstitutions,
  emailTemplates,
  substitute,
  type TaggedEmail,
  taggedEmail,
  UNSUBSCRIBE_TAG,
} from "./email/content.js";
import { parseEmailSender } from "./email/settings.js";
import { type BlockReason, ComplianceGate, capWait, consentVerdict, type GateDecision } from "./gate.js";
import { type OutboxEntry, toEntry } from "./outbox.js";

/** A rate: at most `limit` messages per `intervalMs`. */
export interface Rate {
  /** Messages per interval. */
  readonly limit: number;
  /** The interval, in milliseconds. */
  readonly intervalMs: number;
}

/** Options of the dispatcher. Every field has a default that fits one 10DLC number. */
export interface DispatcherOptions {
  /** Provider calls in flight at once. Default 4. */
  readonly concurrency?: number;
  /**
   * Rate limits, or `false` for none (tests, benchmarks, a short code with a high cap). Default: 1 message
   * a second per sender (a long code sends about one segment a second) and 75 a minute per campaign (the
   * lowest 10DLC tier).
   */
  readonly rateLimits?: false | { readonly perSender?: Rate | false; readonly perCampaign?: Rate | false };
  /** Retries of retryable errors (429, 5xx, network): attempts in all, and the backoff. */
  readonly retry?: {
    /** Provider calls per message before it fails. Default 5. */
    readonly maxAttempts?: number;
    /** First backoff, doubled each attempt, with jitter. Default 2,000 ms. */
    readonly baseDelayMs?: number;
    /** Longest backoff. Default 5 minutes. */
    readonly maxDelayMs?: number;
  };
  /**
   * How long a claim lasts. A `sending` row whose lease ran out is treated as orphaned by a crashed
   * dispatcher and recovered. Default 2 minutes; must exceed the slowest provider call.
   */
  readonly leaseMs?: number;
  /** How often an idle dispatcher looks for new work. Default 1,000 ms. */
  readonly pollMs?: number;
  /**
   * Pause a campaign by itself when too many of its recent sends fail: over `failureRate` of the last
   * `window` results, once at least `minSample` are in. `false` turns it off. Default 50 / 20 / 0.5.
   */
  readonly autoPause?:
    | false
    | { readonly window?: number; readonly minSample?: number; readonly failureRate?: number };
  /** The status callback URL to give the provider (the webhook router's `smsStatusUrl`). */
  readonly statusCallbackUrl?: string;
  /**
   * Receives errors of a {@link Dispatcher.start}ed loop (a database briefly unreachable, …); the loop
   * waits `pollMs` and goes on. Default: `console.error`.
   */
  readonly onError?: (error: unknown) => void;
}

/** What {@link Dispatcher.drain} did. */
export interface DrainResult {
  /** Messages the provider took. */
  sent: number;
  /** Messages the gate refused. */
  blocked: number;
  /** Messages postponed (quiet hours, caps). */
  waiting: number;
  /** Messages that failed for good. */
  failed: number;
  /** Retryable failures scheduled to try again. */
  retried: number;
  /** Orphaned messages recovered after a crash. */
  recovered: number;
  /** Orphaned messages set aside as uncertain. */
  uncertain: number;
}

interface Completion {
  readonly entry: OutboxEntry;
  readonly outcome:
    | {
        readonly kind: "sent";
        readonly result: SmsSendResult;
        readonly from: string | null;
        /** Email: the rendered subject and text of the message row. */
        readonly email?: { readonly subject: string; readonly body: string };
      }
    | { readonly kind: "blocked"; readonly reason: BlockReason }
    | { readonly kind: "waiting"; readonly reason: string; readonly until: Date }
    | { readonly kind: "retry"; readonly error: PrecinctError; readonly until: Date }
    | { readonly kind: "failed"; readonly error: PrecinctError; readonly reason: string }
    | { readonly kind: "released" }
    | { readonly kind: "canceled"; readonly reason?: string };
}

/**
 * Outcomes are written in one transaction per this many rows or milliseconds, whichever comes first: each
 * commit rewrites the pages it touched, so fewer, larger commits write far less. A crash loses at most the
 * unwritten outcomes of rows still leased as `sending`, which orphan recovery resolves without resending.
 */
const FLUSH_ROWS = 1000;
const FLUSH_MS = 250;

/** A sent outbox row's new values, written in bulk. */
interface SentRow {
  readonly id: string;
  readonly messageId: string;
  readonly providerId: string;
  readonly segments: number | null;
}

interface CampaignState {
  status: Campaign["status"];
  policy: Campaign["policy"];
  sender: string | null;
  endAt: string | null;
}

const DEFAULT_SENDER_RATE: Rate = { limit: 1, intervalMs: 1000 };
const DEFAULT_CAMPAIGN_RATE: Rate = { limit: 75, intervalMs: 60_000 };

/**
 * Sends what the outbox holds. Create it with `precinct.dispatcher(options)`; run it with
 * {@link Dispatcher.start} (a long-running worker) or {@link Dispatcher.drain} (send what is due, then
 * return — scripts and tests).
 */
export class Dispatcher {
  readonly #ctx: OutreachContext;
  readonly #gate: ComplianceGate;
  readonly #concurrency: number;
  readonly #leaseMs: number;
  readonly #pollMs: number;
  readonly #maxAttempts: number;
  readonly #baseDelayMs: number;
  readonly #maxDelayMs: number;
  readonly #senderRate: Rate | false;
  readonly #campaignRate: Rate | false;
  readonly #autoPause: { window: number; minSample: number; failureRate: number } | false;
  readonly #statusCallbackUrl: string | undefined;
  readonly #onError: (error: unknown) => void;
  readonly #global: PQueue;
  readonly #senderQueues = new Map<string, PQueue>();
  readonly #campaignQueues = new Map<string, PQueue>();
  readonly #campaigns = new Map<string, CampaignState>();
  readonly #recent = new Map<string, boolean[]>();
  /** Sends handed to the provider whose message rows are not written yet, by person (or number). */
  readonly #unwritten = new Map<string, Map<string, string>>();
  #buffer: Completion[] = [];
  #flushing: Promise<void> = Promise.resolve();
  #flushTimer: NodeJS.Timeout | undefined;
  #inMemory = 0;
  #running = false;
  #loop: Promise<void> | undefined;
  #wake: (() => void) | undefined;
  #tally: DrainResult = emptyTally();
  /** Emails per provider request: the transport's `maxBatchSize` (SendGrid 1000), else 1. */
  readonly #emailBatch: number;
  /** Email campaigns' content, rendered once with substitution tags. */
  readonly #emailContent = new Map<string, TaggedEmail>();

  /** Called after message rows are written, with their provider ids (parked status callbacks). */
  readonly #afterSent: ((providerIds: readonly string[]) => Promise<unknown>) | undefined;

  /** @internal Created by `precinct.dispatcher()`. */
  constructor(
    ctx: OutreachContext,
    options: DispatcherOptions = {},
    hooks: { readonly afterSent?: (providerIds: readonly string[]) => Promise<unknown> } = {},
  ) {
    this.#afterSent = hooks.afterSent;
    if (!ctx.plugins.sms && !ctx.plugins.email) {
      throw new ConfigError(
        "The dispatcher needs a transport: pass plugins: { sms: … } and/or { email: … } to createPrecinct() (createFakeSms() and createFakeEmail() from @precinct/testing send nothing real).",
      );
    }
    this.#ctx = ctx;
    this.#gate = new ComplianceGate(ctx);
    this.#concurrency = positive(options.concurrency ?? 4, "concurrency");
    this.#leaseMs = positive(options.leaseMs ?? 120_000, "leaseMs");
    this.#pollMs = positive(options.pollMs ?? 1000, "pollMs");
    this.#maxAttempts = positive(options.retry?.maxAttempts ?? 5, "retry.maxAttempts");
    this.#baseDelayMs = positive(options.retry?.baseDelayMs ?? 2000, "retry.baseDelayMs");
    this.#maxDelayMs = positive(options.retry?.maxDelayMs ?? 300_000, "retry.maxDelayMs");
    const limits = options.rateLimits ?? {};
    this.#senderRate = limits === false ? false : (limits.perSender ?? DEFAULT_SENDER_RATE);
    this.#campaignRate = limits === false ? false : (limits.perCampaign ?? DEFAULT_CAMPAIGN_RATE);
    const auto = options.autoPause ?? {};
    this.#autoPause =
      auto === false
        ? false
        : {
            window: auto.window ?? 50,
            minSample: auto.minSample ?? 20,
            failureRate: auto.failureRate ?? 0.5,
          };
    this.#statusCallbackUrl = options.statusCallbackUrl;
    this.#onError =
      options.onError ??
      ((error) => console.error("precinct: the dispatcher's loop failed and will retry:", error));
    this.#global = new PQueue({ concurrency: this.#concurrency });
    const email = ctx.plugins.email;
    this.#emailBatch = Math.max(1, Math.min(1000, Math.floor(email?.maxBatchSize ?? 1)));
  }

  /** True while {@link Dispatcher.start} is running. */
  get running(): boolean {
    return this.#running;
  }

  /**
   * Starts sending in the background: claims due rows, sends them, sleeps `pollMs` when there is nothing
   * to do. Call {@link Dispatcher.stop} to finish in-flight sends and stop.
   */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#loop = (async () => {
      while (this.#running) {
        try {
          await this.#run(false);
        } catch (error) {
          // A storage hiccup must not kill a long-running worker: report it, wait, go on.
          this.#onError(error);
          await this.#sleep(this.#pollMs);
        }
      }
    })();
  }

  /** Stops claiming, waits for in-flight sends and their writes, and resolves. */
  async stop(): Promise<void> {
    this.#running = false;
    this.#wake?.();
    await this.#loop;
    await this.#settle();
  }

  /**
   * Sends everything due now (including retries whose backoff has passed, and recovered orphans), waits
   * for the results to be written, and returns what happened. Rows waiting for a later time stay.
   */
  async drain(): Promise<DrainResult> {
    if (this.#running)
      throw new PrecinctError({
        code: "conflict",
        message: "drain() while start() is running; call stop() first.",
      });
    this.#tally = emptyTally();
    await this.#run(true);
    await this.#settle();
    return { ...this.#tally };
  }

  /**
   * Sends one outbox row now (a P2P texter's explicit action, a conversation reply): claims it, gates it and
   * hands it to the provider under the same rules as any other send. Returns the row as it ended up:
   * `sent`, `blocked`, `waiting` (quiet hours) or `failed`/`pending` (a retry is scheduled).
   */
  async sendNow(outboxId: string): Promise<OutboxEntry> {
    const { db, organizationId } = this.#ctx;
    const now = this.#ctx.clock();
    const at = now.toISOString();
    const claimed = await db
      .updateTable("outbox")
      .set((eb) => ({
        state: "sending",
        leaseUntil: new Date(now.getTime() + this.#leaseMs).toISOString(),
        claimedAt: at,
        attempts: eb("attempts", "+", 1),
        updatedAt: at,
      }))
      .where("organizationId", "=", organizationId)
      .where("id", "=", outboxId)
      .where("state", "in", ["pending", "waiting"])
      .returningAll()
      .execute();
    if (claimed.length > 0) {
      const entries = claimed.map(toEntry);
      await this.#loadCampaigns(entries);
      this.#schedule(entries[0]!);
      await this.#settle();
    }
    const row = await db
      .selectFrom("outbox")
      .selectAll()
      .where("organizationId", "=", organizationId)
      .where("id", "=", outboxId)
      .executeTakeFirst();
    if (!row)
      throw new PrecinctError({
        code: "not_found",
        message: `Outbox row ${outboxId} was not found in this organization.`,
      });
    return toEntry(row);
  }

  /** Forgets cached campaign states (call after pausing or resuming from another process). */
  refresh(): void {
    this.#campaigns.clear();
  }

  /** @internal Updates the cached status of a campaign paused, resumed or canceled in this process. */
  noteCampaignStatus(campaignId: string, status: Campaign["status"]): void {
    const cached = this.#campaigns.get(campaignId);
    if (cached) cached.status = status;
  }

  async #run(untilIdle: boolean): Promise<void> {
    await this.#recoverOrphans();
    await Promise.all([
      this.#ctx.plugins.sms ? this.#runSms(untilIdle) : undefined,
      this.#ctx.plugins.email ? this.#runEmail(untilIdle) : undefined,
    ]);
    await this.#global.onIdle();
  }

  /**
   * Email goes out in batches of the transport's `maxBatchSize`, one provider request each, several
   * requests at once up to the dispatcher's concurrency.
   */
  async #runEmail(untilIdle: boolean): Promise<void> {
    for (;;) {
      if (!untilIdle && !this.#running) break;
      const claimed = await this.#claim(this.#emailBatch * this.#concurrency, "email");
      if (claimed.length === 0) {
        if (untilIdle) break;
        await new Promise((resolve) => setTimeout(resolve, this.#pollMs));
        continue;
      }
      const groups = new Map<string, OutboxEntry[]>();
      for (const entry of claimed) {
        const key = `${entry.campaignId ?? ""}|${entry.sender ?? ""}`;
        const group = groups.get(key) ?? [];
        group.push(entry);
        groups.set(key, group);
      }
      const batches: OutboxEntry[][] = [];
      for (const group of groups.values()) {
        for (let start = 0; start < group.length; start += this.#emailBatch) {
          batches.push(group.slice(start, start + this.#emailBatch));
        }
      }
      await Promise.all(
        batches.map((batch) =>
          this.#global.add(() =>
            this.#processEmails(batch).catch((error: unknown) => {
              // #processEmails records its own failures; this guard keeps rows from staying claimed.
              for (const entry of batch) {
                this.#complete({
                  entry,
                  outcome: {
                    kind: "retry",
                    error: asPrecinctError(error),
                    until: this.#backoff(entry.attempts),
                  },
                });
              }
            }),
          ),
        ),
      );
    }
  }

  async #processEmails(batch: readonly OutboxEntry[]): Promise<void> {
    const ctx = this.#ctx;
    const transport = ctx.plugins.email!;
    const now = ctx.clock();
    const live: OutboxEntry[] = [];
    for (const entry of batch) {
      const campaign = entry.campaignId ? this.#campaigns.get(entry.campaignId) : undefined;
      if (campaign?.endAt && now.toISOString() >= campaign.endAt) {
        this.#complete({ entry, outcome: { kind: "canceled", reason: "campaign_ended" } });
      } else if (campaign && campaign.status !== "running") {
        this.#complete({
          entry,
          outcome: campaign.status === "canceled" ? { kind: "canceled" } : { kind: "released" },
        });
      } else live.push(entry);
    }
    if (live.length === 0) return;
    const first = live[0]!;
    const campaign = first.campaignId ? this.#campaigns.get(first.campaignId) : undefined;
    const policy = campaign?.policy;
    const fromText = first.sender ?? campaign?.sender ?? ctx.email?.from ?? null;
    if (!first.campaignId || !policy || !fromText) {
      const error = new ConfigError(
        !fromText
          ? "No sender for this email: set the campaign's sender or createPrecinct({ email: { from } })."
          : "Email rows must belong to a campaign.",
      );
      for (const entry of live)
        this.#complete({ entry, outcome: { kind: "failed", error, reason: "no_sender" } });
      return;
    }
    const from = parseEmailSender(fromText, "sender");
    const content = await this.#taggedEmail(first.campaignId);
    const addresses = [...new Set(live.map((entry) => entry.contactPoint))];
    const consent = await ctx.consent.currentStatuses("email", addresses);
    const recent = policy.frequencyCapPer24h
      ? await this.#recentEmails(addresses, new Date(now.getTime() - 24 * 3600 * 1000).toISOString())
      : null;
    const ready: { entry: OutboxEntry; message: OutboundEmail; substitutions: Record<string, string> }[] = [];
    for (const entry of live) {
      const refusal = consentVerdict(policy, consent.get(entry.contactPoint) ?? "unknown");
      if (refusal) {
        this.#complete({ entry, outcome: { kind: "blocked", reason: refusal } });
        continue;
      }
      if (recent && policy.frequencyCapPer24h) {
        const capped = capWait(policy.frequencyCapPer24h, recent.get(entry.contactPoint) ?? []);
        if (capped && capped.verdict === "wait") {
          this.#complete({ entry, outcome: { kind: "waiting", reason: capped.reason, until: capped.until } });
          continue;
        }
      }
      const substitutions = fromJson<Record<string, string>>(entry.payload, {});
      const unsubscribe = substitutions[UNSUBSCRIBE_TAG];
      const message: OutboundEmail = {
        to: { email: entry.contactPoint },
        from,
        subject: content.subject,
        ...(content.html !== null ? { html: content.html } : {}),
        ...(content.text !== null ? { text: content.text } : {}),
        ...(unsubscribe
          ? {
              headers: {
                "List-Unsubscribe": `<${unsubscribe}>`,
                "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
              },
            }
          : {}),
        customArgs: { precinct_message_id: entry.id, precinct_campaign_id: first.campaignId },
        categories: [`campaign-${first.campaignId}`],
        substitutions,
        idempotencyKey: entry.id,
      };
      ready.push({
        entry,
        message: transport.supportsSubstitutions === true ? message : applySubstitutions(message),
        substitutions,
      });
    }
    // The last check, with no await before the request: an unsubscribe handled a moment ago wins.
    const sending = ready.filter(({ entry }) => {
      if (!ctx.fence.blocks("email", entry.contactPoint)) return true;
      this.#complete({ entry, outcome: { kind: "blocked", reason: "opted_out" } });
      return false;
    });
    if (sending.length === 0) return;
    const failed = (entry: OutboxEntry, error: PrecinctError) => {
      this.#record(entry.campaignId, false);
      if (error.isRetryable && entry.attempts < this.#maxAttempts) {
        const retryAfter = Number(error.details.retryAfterMs);
        const until =
          Number.isFinite(retryAfter) && retryAfter > 0
            ? new Date(ctx.clock().getTime() + retryAfter)
            : this.#backoff(entry.attempts);
        this.#complete({ entry, outcome: { kind: "retry", error, until } });
      } else {
        this.#complete({ entry, outcome: { kind: "failed", error, reason: failureReason(error) } });
      }
    };
    let results: EmailSendResult["results"];
    try {
      results = (await transport.send({ messages: sending.map(({ message }) => message) })).results;
    } catch (error) {
      for (const { entry } of sending) failed(entry, asPrecinctError(error));
      return;
    }
    for (const [i, { entry, substitutions }] of sending.entries()) {
      const result = results[i];
      if (result?.status === "accepted") {
        this.#complete({
          entry,
          outcome: {
            kind: "sent",
            result: { providerId: result.providerId, status: "sent", segments: 1 },
            from: from.email,
            email: {
              subject: substitute(content.subject, substitutions),
              body: substitute(content.text ?? content.html ?? "", substitutions),
            },
          },
        });
        this.#record(entry.campaignId, true);
      } else {
        failed(
          entry,
          result?.status === "rejected"
            ? result.error
            : new PrecinctError({
                code: "provider",
                message: `The email transport returned no result for message ${i} of the batch.`,
                isRetryable: false,
              }),
        );
      }
    }
  }

  /** The content of an email campaign with substitution tags, rendered once per dispatcher. */
  async #taggedEmail(campaignId: string): Promise<TaggedEmail> {
    let content = this.#emailContent.get(campaignId);
    if (!content) {
      const row = await this.#ctx.db
        .selectFrom("campaign")
        .select("template")
        .where("id", "=", campaignId)
        .where("organizationId", "=", this.#ctx.organizationId)
        .executeTakeFirstOrThrow();
      const organization = this.#ctx.organization();
      content = taggedEmail(emailTemplates(fromJson<Campaign["template"]>(row.template, {})), {
        organization: organization.name,
        postalAddress: organization.postalAddress ?? null,
      });
      this.#emailContent.set(campaignId, content);
    }
    return content;
  }

  /** Emails sent to these addresses since `since`, by address. */
  async #recentEmails(addresses: readonly string[], since: string): Promise<Map<string, string[]>> {
    const recent = new Map<string, string[]>();
    for (let start = 0; start < addresses.length; start += 500) {
      const rows = await this.#ctx.db
        .selectFrom("message")
        .select(["to", "sentAt"])
        .where("organizationId", "=", this.#ctx.organizationId)
        .where("to", "in", addresses.slice(start, start + 500))
        .where("channel", "=", "email")
        .where("direction", "=", "outbound")
        .where("sentAt", ">=", since)
        .execute();
      for (const row of rows) {
        if (row.sentAt === null) continue;
        const list = recent.get(row.to) ?? [];
        list.push(row.sentAt);
        recent.set(row.to, list);
      }
    }
    return recent;
  }

  async #runSms(untilIdle: boolean): Promise<void> {
    let lastRecovery = Date.now();
    for (;;) {
      if (!untilIdle && !this.#running) break;
      // Refill in bulk once the in-memory buffer is half empty: one claim transaction per many messages.
      const target = this.#buffered();
      const room = this.#inMemory <= target / 2 ? target - this.#inMemory : 0;
      const claimed = room > 0 ? await this.#claim(room, "sms") : [];
      for (const entry of claimed) this.#schedule(entry);
      if (claimed.length === 0) {
        if (this.#inMemory === 0) {
          await this.#settle();
          if (untilIdle) {
            // Finished rows may have made more due (a retry with no delay): look once more.
            const more = await this.#claim(this.#buffered(), "sms");
            if (more.length === 0) break;
            for (const entry of more) this.#schedule(entry);
            continue;
          }
          await this.#sleep(this.#pollMs);
          if (Date.now() - lastRecovery > this.#leaseMs / 2) {
            await this.#recoverOrphans();
            lastRecovery = Date.now();
          }
        } else {
          await this.#waitForRoom();
        }
      } else if (this.#inMemory > this.#buffered() / 2) {
        await this.#waitForRoom();
      }
    }
    await this.#global.onIdle();
  }

  /**
   * How many claimed rows to hold in memory: enough to keep every slot busy between claims, few enough that
   * rate-limited rows wait well inside their lease.
   */
  #buffered(): number {
    if (this.#senderRate === false && this.#campaignRate === false)
      return Math.min(200, this.#concurrency * 25);
    return Math.min(200, this.#concurrency * 4);
  }

  #waitForRoom(): Promise<void> {
    return new Promise((resolve) => {
      this.#wake = () => {
        if (this.#inMemory <= this.#buffered() / 2) resolve();
      };
    });
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.#wake = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }

  /** Claims due rows of running campaigns (and campaign-less system messages) with a lease. */
  async #claim(limit: number, channel: "sms" | "email"): Promise<OutboxEntry[]> {
    const { db, dialect, organizationId } = this.#ctx;
    const now = this.#ctx.clock();
    const at = now.toISOString();
    const leaseUntil = new Date(now.getTime() + this.#leaseMs).toISOString();
    const rows = await db.transaction().execute(async (trx) => {
      // One state at a time, so each query walks outbox_ready_idx in send_after order and stops at `limit`
      // (an IN over both states would sort every due row on each claim).
      const ids: string[] = [];
      for (const state of ["pending", "waiting"] as const) {
        if (ids.length >= limit) break;
        let due = trx
          .selectFrom("outbox")
          .select("outbox.id")
          .where("outbox.organizationId", "=", organizationId)
          .where("outbox.state", "=", state)
          .where("outbox.sendAfter", "<=", at)
          .where("outbox.channel", "=", channel)
          .where((eb) =>
            eb.or([
              eb("outbox.campaignId", "is", null),
              eb(
                "outbox.campaignId",
                "in",
                eb
                  .selectFrom("campaign")
                  .select("campaign.id")
                  .where("campaign.organizationId", "=", organizationId)
                  .where("campaign.status", "=", "running"),
              ),
            ]),
          )
          .orderBy("outbox.sendAfter")
          .limit(limit - ids.length);
        if (dialect === "postgres") due = due.forUpdate().skipLocked();
        for (const row of await due.execute()) ids.push(row.id);
      }
      if (ids.length === 0) return [];
      return trx
        .updateTable("outbox")
        .set((eb) => ({
          state: "sending",
          leaseUntil,
          claimedAt: at,
          attempts: eb("attempts", "+", 1),
          updatedAt: at,
        }))
        .where("id", "in", ids)
        .returningAll()
        .execute();
    });
    const entries = rows.map(toEntry).sort((a, b) => (a.sendAfter ?? "").localeCompare(b.sendAfter ?? ""));
    await this.#loadCampaigns(entries);
    if (channel === "sms") await this.#gate.prefetch(entries.filter((entry) => entry.kind !== "system"));
    return entries;
  }

  async #loadCampaigns(entries: readonly OutboxEntry[]): Promise<void> {
    const missing = [
      ...new Set(
        entries
          .map((e) => e.campaignId)
          .filter((id): id is string => id !== null && !this.#campaigns.has(id)),
      ),
    ];
    if (missing.length === 0) return;
    const rows = await this.#ctx.db
      .selectFrom("campaign")
      .select(["id", "status", "policy", "sender", "schedule"])
      .where("organizationId", "=", this.#ctx.organizationId)
      .where("id", "in", missing)
      .execute();
    for (const row of rows) {
      this.#campaigns.set(row.id, {
        status: row.status as Campaign["status"],
        policy: fromJson(row.policy, {}) as Campaign["policy"],
        sender: row.sender,
        endAt: fromJson<Campaign["schedule"]>(row.schedule, { startAt: null, endAt: null }).endAt ?? null,
      });
    }
  }

  #schedule(entry: OutboxEntry): void {
    this.#inMemory += 1;
    const sender =
      entry.sender ?? (entry.campaignId ? this.#campaigns.get(entry.campaignId)?.sender : null) ?? "";
    const task = () => this.#global.add(() => this.#process(entry, sender || null));
    const viaSender = () => this.#limited(this.#senderQueues, `sender:${sender}`, this.#senderRate, task);
    const run =
      entry.campaignId && entry.kind === "campaign"
        ? this.#limited(this.#campaignQueues, entry.campaignId, this.#campaignRate, viaSender)
        : viaSender();
    void run
      .catch((error: unknown) => {
        // #process records its own failures; this is a bug guard so a row is never left claimed silently.
        this.#complete({
          entry,
          outcome: { kind: "retry", error: asPrecinctError(error), until: this.#backoff(entry.attempts) },
        });
      })
      .finally(() => {
        this.#inMemory -= 1;
        this.#wake?.();
      });
  }

  #limited(
    queues: Map<string, PQueue>,
    key: string,
    rate: Rate | false,
    task: () => Promise<unknown>,
  ): Promise<unknown> {
    if (rate === false) return task();
    let queue = queues.get(key);
    if (!queue) {
      queue = new PQueue({ intervalCap: rate.limit, interval: rate.intervalMs, strict: true });
      queues.set(key, queue);
    }
    // The rate queue only paces the start; the send itself runs under the global concurrency limit.
    return new Promise((resolve, reject) => {
      queue.add(() => {
        task().then(resolve, reject);
      });
    });
  }

  async #process(entry: OutboxEntry, sender: string | null): Promise<void> {
    const ctx = this.#ctx;
    const campaign = entry.campaignId ? this.#campaigns.get(entry.campaignId) : undefined;
    if (campaign?.endAt && entry.kind !== "reply" && ctx.clock().toISOString() >= campaign.endAt) {
      // The campaign's schedule is over: what was not sent by then is not sent at all.
      this.#complete({ entry, outcome: { kind: "canceled", reason: "campaign_ended" } });
      return;
    }
    if (campaign && campaign.status !== "running") {
      this.#complete({
        entry,
        outcome: campaign.status === "canceled" ? { kind: "canceled" } : { kind: "released" },
      });
      return;
    }
    let decision: GateDecision;
    if (entry.kind === "system") {
      // Opt-out confirmations and HELP answers reply to the person's own message: allowed even after
      // an opt-out (one confirmation), at any hour.
      decision = { verdict: "send", validityPeriodSeconds: 4 * 3600 };
    } else {
      const policy = campaign?.policy;
      const effective =
        policy && entry.kind === "reply"
          ? { policy: { ...policy, consent: "not_opted_out" as const } }
          : policy
            ? { policy }
            : null;
      decision = await this.#gate.final(entry, effective, this.#gate.prefetched(entry.contactPoint));
    }
    if (decision.verdict === "block") {
      this.#complete({ entry, outcome: { kind: "blocked", reason: decision.reason } });
      return;
    }
    if (decision.verdict === "wait") {
      this.#complete({ entry, outcome: { kind: "waiting", reason: decision.reason, until: decision.until } });
      return;
    }
    // The last synchronous checks: nothing below awaits before the provider call starts.
    if (entry.kind !== "system" && ctx.fence.blocks("sms", entry.contactPoint)) {
      this.#complete({ entry, outcome: { kind: "blocked", reason: "opted_out" } });
      return;
    }
    const capKey = entry.personId ?? entry.contactPoint;
    if (decision.cap) {
      const inFlight = [...(this.#unwritten.get(capKey)?.values() ?? [])];
      const capped = capWait(decision.cap.limit, [...decision.cap.recent, ...inFlight]);
      if (capped && capped.verdict === "wait") {
        this.#complete({ entry, outcome: { kind: "waiting", reason: capped.reason, until: capped.until } });
        return;
      }
    }
    if (entry.kind !== "system") {
      const reserved = this.#unwritten.get(capKey) ?? new Map<string, string>();
      reserved.set(entry.id, ctx.clock().toISOString());
      this.#unwritten.set(capKey, reserved);
    }
    const message: OutboundSms = {
      to: entry.contactPoint,
      ...(sender ? { from: sender } : {}),
      body: entry.body,
      idempotencyKey: entry.id,
      validityPeriodSeconds: decision.validityPeriodSeconds,
      ...(this.#statusCallbackUrl ? { statusCallbackUrl: this.#statusCallbackUrl } : {}),
      metadata: entry.campaignId ? { campaignId: entry.campaignId } : {},
    };
    try {
      const result = await ctx.plugins.sms!.send(message);
      this.#complete({ entry, outcome: { kind: "sent", result, from: sender } });
      this.#record(entry.campaignId, true);
    } catch (error) {
      const failure = asPrecinctError(error);
      this.#record(entry.campaignId, false);
      if (failure.isRetryable && entry.attempts < this.#maxAttempts) {
        const retryAfter = Number(failure.details.retryAfterMs);
        const until =
          Number.isFinite(retryAfter) && retryAfter > 0
            ? new Date(ctx.clock().getTime() + retryAfter)
            : this.#backoff(entry.attempts);
        this.#complete({ entry, outcome: { kind: "retry", error: failure, until } });
      } else {
        this.#complete({
          entry,
          outcome: { kind: "failed", error: failure, reason: failureReason(failure) },
        });
      }
    }
  }

  #backoff(attempts: number): Date {
    const exponential = Math.min(this.#maxDelayMs, this.#baseDelayMs * 2 ** Math.max(0, attempts - 1));
    const jittered = exponential * (0.5 + Math.random() * 0.5);
    return new Date(this.#ctx.clock().getTime() + jittered);
  }

  /** Feeds the failure-rate window of a campaign and pauses it when the rate spikes. */
  #record(campaignId: string | null, ok: boolean): void {
    if (!campaignId || this.#autoPause === false) return;
    const window = this.#recent.get(campaignId) ?? [];
    window.push(ok);
    if (window.length > this.#autoPause.window) window.shift();
    this.#recent.set(campaignId, window);
    const failures = window.filter((x) => !x).length;
    if (
      window.length >= this.#autoPause.minSample &&
      failures / window.length > this.#autoPause.failureRate
    ) {
      const state = this.#campaigns.get(campaignId);
      if (state && state.status === "running") {
        state.status = "paused";
        this.#recent.delete(campaignId);
        void this.#pauseForFailures(campaignId, failures, window.length);
      }
    }
  }

  async #pauseForFailures(campaignId: string, failures: number, sample: number): Promise<void> {
    const at = this.#ctx.clock().toISOString();
    await this.#ctx.db
      .updateTable("campaign")
      .set({ status: "paused", pausedReason: "failure_rate", updatedAt: at })
      .where("id", "=", campaignId)
      .where("organizationId", "=", this.#ctx.organizationId)
      .where("status", "=", "running")
      .execute();
    this.#ctx.bus.emit("campaign.paused", {
      campaignId,
      reason: "failure_rate",
      detail: `${failures} of the last ${sample} sends failed`,
    });
  }

  #complete(completion: Completion): void {
    this.#buffer.push(completion);
    if (this.#buffer.length >= FLUSH_ROWS) void this.#flush();
    else if (!this.#flushTimer) this.#flushTimer = setTimeout(() => void this.#flush(), FLUSH_MS);
  }

  /** Writes buffered outcomes in one transaction. Serialized: one flush at a time. */
  #flush(): Promise<void> {
    if (this.#flushTimer) {
      clearTimeout(this.#flushTimer);
      this.#flushTimer = undefined;
    }
    const batch = this.#buffer;
    if (batch.length === 0) return this.#flushing;
    this.#buffer = [];
    this.#flushing = this.#flushing.then(() => this.#write(batch));
    return this.#flushing;
  }

  async #settle(): Promise<void> {
    await this.#global.onIdle();
    await this.#flush();
    await this.#flushing;
  }

  async #write(batch: readonly Completion[]): Promise<void> {
    const ctx = this.#ctx;
    const at = ctx.clock().toISOString();
    const events: (() => void)[] = [];
    const optOuts: { entry: OutboxEntry; error: PrecinctError }[] = [];
    const lineTypes: { number: string; lineType: string }[] = [];
    // better-sqlite3 runs each statement synchronously, so a write of a thousand outcomes would hold the event
    // loop for tens of milliseconds: no provider answer, webhook or status callback is read meanwhile, and
    // every send in flight stalls behind it. Between statements the write lets the loop turn once; the
    // transaction stays open (this connection is the only writer), so it commits all or nothing as before.
    const between = ctx.dialect === "sqlite" ? nextTurn : async () => {};
    await ctx.db.transaction().execute(async (trx) => {
      const messages: Record<string, unknown>[] = [];
      const interactions: Record<string, unknown>[] = [];
      const sent: SentRow[] = [];
      for (const { entry, outcome } of batch) {
        const base = () =>
          trx.updateTable("outbox").where("id", "=", entry.id).where("state", "=", "sending");
        switch (outcome.kind) {
          case "sent": {
            const messageId = newId();
            sent.push({
              id: entry.id,
              messageId,
              providerId: outcome.result.providerId,
              segments: outcome.result.segments ?? null,
            });
            messages.push({
              id: messageId,
              organizationId: ctx.organizationId,
              createdAt: at,
              updatedAt: at,
              channel: entry.channel,
              direction: "outbound",
              campaignId: entry.campaignId,
              conversationId: entry.conversationId,
              personId: entry.personId,
              from: outcome.from ?? "",
              to: entry.contactPoint,
              subject: outcome.email?.subject ?? null,
              body: outcome.email?.body ?? entry.body,
              status: outcome.result.status,
              providerId: outcome.result.providerId,
              idempotencyKey: entry.idempotencyKey,
              segments: entry.channel === "email" ? null : outcome.result.segments,
              errorCode: null,
              errorMessage: null,
              sentAt: at,
            });
            if (entry.personId && entry.kind !== "system") {
              interactions.push({
                id: newId(),
                organizationId: ctx.organizationId,
                createdAt: at,
                updatedAt: at,
                personId: entry.personId,
                channel: entry.channel,
                outcome: "sent",
                resultCode: null,
                volunteerId: entry.assigneeId,
                campaignId: entry.campaignId,
                notes: null,
                occurredAt: at,
              });
            }
            if (entry.conversationId) {
              await trx
                .updateTable("conversation")
                .set({ lastOutboundAt: at, lastMessageAt: at, updatedAt: at })
                .where("id", "=", entry.conversationId)
                .execute();
            }
            this.#tally.sent += 1;
            events.push(() =>
              ctx.bus.emit("message.sent", {
                outboxId: entry.id,
                messageId,
                campaignId: entry.campaignId,
                to: entry.contactPoint,
                providerId: outcome.result.providerId,
              }),
            );
            break;
          }
          case "blocked":
            await base()
              .set({ state: "blocked", reason: outcome.reason, leaseUntil: null, updatedAt: at })
              .execute();
            this.#tally.blocked += 1;
            events.push(() =>
              ctx.bus.emit("message.blocked", {
                outboxId: entry.id,
                campaignId: entry.campaignId,
                to: entry.contactPoint,
                reason: outcome.reason,
              }),
            );
            break;
          case "waiting":
            await base()
              .set({
                state: "waiting",
                reason: outcome.reason,
                sendAfter: outcome.until.toISOString(),
                leaseUntil: null,
                // A postponement is not an attempt.
                attempts: Math.max(0, entry.attempts - 1),
                updatedAt: at,
              })
              .execute();
            this.#tally.waiting += 1;
            break;
          case "retry":
            await base()
              .set({
                state: "pending",
                reason: "retrying",
                sendAfter: outcome.until.toISOString(),
                leaseUntil: null,
                errorCode: errorCodeOf(outcome.error),
                errorMessage: outcome.error.message,
                updatedAt: at,
              })
              .execute();
            this.#tally.retried += 1;
            break;
          case "failed": {
            await base()
              .set({
                state: "failed",
                reason: outcome.reason,
                leaseUntil: null,
                errorCode: errorCodeOf(outcome.error),
                errorMessage: outcome.error.message,
                updatedAt: at,
              })
              .execute();
            if (outcome.reason === "provider_opted_out") optOuts.push({ entry, error: outcome.error });
            if (outcome.reason === "not_sms_capable")
              lineTypes.push({ number: entry.contactPoint, lineType: "landline" });
            this.#tally.failed += 1;
            events.push(() =>
              ctx.bus.emit("message.failed", {
                outboxId: entry.id,
                campaignId: entry.campaignId,
                to: entry.contactPoint,
                reason: outcome.reason,
                errorCode: errorCodeOf(outcome.error),
              }),
            );
            break;
          }
          case "released":
            await base()
              .set({
                state: "pending",
                leaseUntil: null,
                attempts: Math.max(0, entry.attempts - 1),
                updatedAt: at,
              })
              .execute();
            break;
          case "canceled":
            await base()
              .set({
                state: "canceled",
                reason: outcome.reason ?? "campaign_canceled",
                leaseUntil: null,
                updatedAt: at,
              })
              .execute();
            break;
        }
      }
      // SQLite holds the event loop for a statement, so its statements stay short; on PostgreSQL each one is a
      // round trip, so they are fewer and larger.
      const chunk = ctx.dialect === "sqlite" ? 100 : 500;
      // Sent rows, the common case, in one statement per chunk rather than one compiled query per row.
      // The state a row must still be in comes with each row (`v.claimed`), not as a constant: PostgreSQL
      // statistics taken while a campaign's rows were pending call 'sending' rare, and a constant would make
      // it walk every claimed row for each of these updates (a second each with 8,000 emails claimed)
      // instead of seeking each id on the primary key.
      for (let start = 0; start < sent.length; start += chunk) {
        const rows = sent.slice(start, start + chunk);
        await sql`WITH v (id, message_id, provider_id, segments, claimed) AS (VALUES ${sql.join(
          rows.map(
            (row) => sql`(${row.id}, ${row.messageId}, ${row.providerId}, ${row.segments}, ${"sending"})`,
          ),
        )})
          UPDATE outbox SET state = 'sent', reason = NULL, lease_until = NULL, message_id = v.message_id,
            provider_id = v.provider_id, segments = COALESCE(CAST(v.segments AS integer), outbox.segments),
            sent_at = ${at}, updated_at = ${at}
          FROM v WHERE outbox.id = v.id AND outbox.state = v.claimed`.execute(trx);
        await between();
      }
      await bulkInsert(trx, ctx.dialect, "message", messages, { between, chunk });
      await between();
      await bulkInsert(trx, ctx.dialect, "interaction", interactions, { between, chunk });
    });
    // What the provider told us about numbers: after the commit, through the ledger and the line-type cache.
    for (const { entry, error } of optOuts) {
      await ctx.consent.record({
        channel: "sms",
        contactPoint: entry.contactPoint,
        personId: entry.personId,
        kind: "opt_out",
        source: "provider_report",
        rawText: `provider error ${String(error.providerCode ?? error.code)}`,
        campaignId: entry.campaignId,
      });
    }
    for (const { number, lineType } of lineTypes)
      await this.#gate.rememberLineType(number, lineType, "provider_error");
    // Status callbacks that beat this write were parked: the rows they wait for exist now.
    const written = batch.flatMap(({ entry, outcome }) =>
      outcome.kind === "sent" && entry.channel === "sms" ? [outcome.result.providerId] : [],
    );
    if (written.length > 0 && this.#afterSent) await this.#afterSent(written).catch(this.#onError);
    // Written: these sends now count from the message table.
    for (const { entry } of batch) {
      const key = entry.personId ?? entry.contactPoint;
      const reserved = this.#unwritten.get(key);
      reserved?.delete(entry.id);
      if (reserved?.size === 0) this.#unwritten.delete(key);
    }
    for (const emit of events) emit();
  }

  /**
   * Rows left `sending` by a dispatcher that died: ask the provider (`findSent`), resend when it dedupes by
   * key, or set them aside as `uncertain`.
   */
  async #recoverOrphans(): Promise<void> {
    const ctx = this.#ctx;
    const now = ctx.clock();
    const rows = await ctx.db
      .selectFrom("outbox")
      .selectAll()
      .where("organizationId", "=", ctx.organizationId)
      .where("state", "=", "sending")
      .where("leaseUntil", "<", now.toISOString())
      .execute();
    if (rows.length === 0) return;
    const transport = ctx.plugins.sms;
    const at = now.toISOString();
    for (const entry of rows.map(toEntry)) {
      if (entry.channel === "sms" && !transport) continue; // Left for a dispatcher that can ask the SMS provider.
      if (entry.channel === "email" || !transport) {
        // Email providers take no idempotency key and cannot be asked what went out: never resend blind.
        await this.#setOrphan(entry, { state: "uncertain", reason: "crash_during_send", updatedAt: at });
        this.#tally.uncertain += 1;
        continue;
      }
      if (transport.dedupesByIdempotencyKey === true) {
        await this.#setOrphan(entry, {
          state: "pending",
          reason: "recovered",
          attempts: entry.attempts,
          updatedAt: at,
        });
        this.#tally.recovered += 1;
        continue;
      }
      if (hasCapability(transport, "findSent")) {
        const claimed = entry.claimedAt ? new Date(entry.claimedAt) : new Date(entry.createdAt);
        const sender =
          entry.sender ?? (entry.campaignId ? await this.#campaignSender(entry.campaignId) : null);
        try {
          const found = await transport.findSent(
            {
              to: entry.contactPoint,
              ...(sender ? { from: sender } : {}),
              body: entry.body,
              idempotencyKey: entry.id,
            },
            new Date(claimed.getTime() - 60_000),
          );
          if (found) {
            await this.#write([
              {
                entry: { ...entry, state: "sending" },
                outcome: { kind: "sent", result: found, from: sender },
              },
            ]);
            this.#tally.sent -= 1;
          } else {
            await this.#setOrphan(entry, { state: "pending", reason: "recovered", updatedAt: at });
          }
          this.#tally.recovered += 1;
        } catch {
          // The provider could not say: leave the row for the next recovery pass, with a fresh lease.
          await this.#setOrphan(entry, {
            state: "sending",
            leaseUntil: new Date(now.getTime() + this.#leaseMs).toISOString(),
            updatedAt: at,
          });
        }
        continue;
      }
      await this.#setOrphan(entry, { state: "uncertain", reason: "crash_during_send", updatedAt: at });
      this.#tally.uncertain += 1;
    }
  }

  async #campaignSender(campaignId: string): Promise<string | null> {
    await this.#loadCampaigns([{ campaignId } as OutboxEntry]);
    return this.#campaigns.get(campaignId)?.sender ?? null;
  }

  async #setOrphan(entry: OutboxEntry, patch: Record<string, unknown>): Promise<void> {
    await this.#ctx.db
      .updateTable("outbox")
      .set({ leaseUntil: null, ...patch } as never)
      .where("id", "=", entry.id)
      .where("state", "=", "sending")
      .execute();
  }
}

/** The provider's own code when it gave one (Twilio `21610`), else Precinct's. */
function errorCodeOf(error: PrecinctError): string {
  return error.providerCode === undefined ? error.code : String(error.providerCode);
}

function emptyTally(): DrainResult {
  return { sent: 0, blocked: 0, waiting: 0, failed: 0, retried: 0, recovered: 0, uncertain: 0 };
}

function positive(value: number, field: string): number {
  if (!Number.isFinite(value) || value <= 0) {
    throw new ConfigError(`Dispatcher option ${field} must be a positive number; got ${String(value)}.`);
  }
  return value;
}

function asPrecinctError(error: unknown): PrecinctError {
  if (PrecinctError.isInstance(error)) return error;
  return new PrecinctError({
    code: "provider",
    message: `The SMS transport threw a non-Precinct error: ${error instanceof Error ? error.message : String(error)}`,
    isRetryable: false,
    cause: error,
  });
}

/** The outbox reason for a permanent failure. */
function failureReason(error: PrecinctError): string {
  const reason = error.details.failureReason as SmsFailureReason | undefined;
  if (error.code === "opted_out" || reason === "opted_out") return "provider_opted_out";
  if (reason === "not_sms_capable") return "not_sms_capable";
  if (error.code === "invalid_recipient" || reason === "invalid_recipient") return "invalid_number";
  if (reason) return reason;
  if (error.isRetryable) return "retries_exhausted";
  return error.code;
}
