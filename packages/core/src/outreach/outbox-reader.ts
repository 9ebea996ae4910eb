import type { OutreachContext } from "./context.js";
import { type OutboxEntry, type OutboxState, toEntry } from "./outbox.js";

/** Filters of {@link OutboxReader.list}. */
export interface OutboxListOptions {
  /** Only this campaign's rows. */
  readonly campaignId?: string;
  /** Only rows in these states. */
  readonly state?: OutboxState | readonly OutboxState[];
  /** Only rows to this number (E.164). */
  readonly contactPoint?: string;
  /** Page size; default 100, at most 10,000. */
  readonly limit?: number;
  /** Rows to skip. */
  readonly offset?: number;
}

/**
 * Read access to the outbox: every intended message, its state and, for blocked, waiting and failed
 * rows, the reason. Available as `precinct.outbox`. Rows change only through the engine.
 */
export class OutboxReader {
  readonly #ctx: OutreachContext;

  /** @internal Created by `createPrecinct()`. */
  constructor(ctx: OutreachContext) {
    this.#ctx = ctx;
  }

  /** One row by id, or null. */
  async get(id: string): Promise<OutboxEntry | null> {
    const row = await this.#ctx.db
      .selectFrom("outbox")
      .selectAll()
      .where("organizationId", "=", this.#ctx.organizationId)
      .where("id", "=", id)
      .executeTakeFirst();
    return row ? toEntry(row) : null;
  }

  /** Rows, oldest first. */
  async list(options: OutboxListOptions = {}): Promise<OutboxEntry[]> {
    let query = this.#ctx.db
      .selectFrom("outbox")
      .selectAll()
      .where("organizationId", "=", this.#ctx.organizationId);
    if (options.campaignId) query = query.where("campaignId", "=", options.campaignId);
    if (options.contactPoint) query = query.where("contactPoint", "=", options.contactPoint);
    if (options.state) {
      const states = typeof options.state === "string" ? [options.state] : [...options.state];
      query = query.where("state", "in", states);
    }
    const limit = Math.min(Math.max(options.limit ?? 100, 1), 10_000);
    const rows = await query
      .orderBy("createdAt")
      .orderBy("id")
      .limit(limit)
      .offset(options.offset ?? 0)
      .execute();
    return rows.map(toEntry);
  }

  /** Rows by state (and, for a campaign, only its rows). */
  async counts(options: { campaignId?: string } = {}): Promise<Record<string, number>> {
    let query = this.#ctx.db
      .selectFrom("outbox")
      .select(["state", (eb) => eb.fn.countAll().as("n")])
      .where("organizationId", "=", this.#ctx.organizationId);
    if (options.campaignId) query = query.where("campaignId", "=", options.campaignId);
    const rows = await query.groupBy("state").execute();
    return Object.fromEntries(rows.map((row) => [row.state, Number(row.n)]));
  }
}
