import { type Kysely, type Selectable, sql } from "kysely";
import { normalizeEmail, normalizePhone, normalizeTimestamp } from "../../normalize/index.js";
import { NotFoundError } from "../../spec/errors.js";
import type {
  ConsentChannel,
  ConsentEvent,
  ConsentEventInput,
  ConsentStatus,
} from "../../spec/model/consent.js";
import { ConsentEventInput as ConsentEventInputSchema } from "../../spec/model/consent.js";
import { newId, parseInput } from "../codec.js";
import type { ConsentEventTable, Database, DialectName } from "../schema.js";

/**
 * The consent ledger of one organization. Append-only: there is no update or delete, and the database
 * refuses both. The current status of a contact point on a channel is its latest event.
 */
export class ConsentRepository {
  readonly #db: Kysely<Database>;
  readonly #dialect: DialectName;
  readonly #organizationId: string;
  readonly #defaultCountry: string | undefined;
  readonly #onRecord: (event: ConsentEvent) => void;
  readonly #clock: () => Date;

  /** @internal Created by `createPrecinct()`. */
  constructor(
    db: Kysely<Database>,
    dialect: DialectName,
    organizationId: string,
    defaultCountry: string | undefined,
    onRecord: (event: ConsentEvent) => void,
    clock: () => Date = () => new Date(),
  ) {
    this.#clock = clock;
    this.#db = db;
    this.#dialect = dialect;
    this.#organizationId = organizationId;
    this.#defaultCountry = defaultCountry;
    this.#onRecord = onRecord;
  }

  /** Normalizes a contact point the way the ledger stores it (E.164 for sms/voice, lower case for email). */
  normalizeContactPoint(channel: ConsentChannel, contactPoint: string): string {
    if (channel === "sms" || channel === "voice") {
      return normalizePhone(contactPoint, {
        field: "contactPoint",
        ...(this.#defaultCountry ? { defaultCountry: this.#defaultCountry as never } : {}),
      });
    }
    if (channel === "email") return normalizeEmail(contactPoint, { field: "contactPoint" });
    return contactPoint.trim().replace(/\s+/g, " ");
  }

  /**
   * Appends an event (an opt-in or an opt-out) and returns it.
   *
   * @param input - The event.
   * @param options - `db`: an open transaction to append in, so the event commits (or not) with the
   *   caller's other writes, such as the webhook delivery that carried it.
   */
  async record(
    input: ConsentEventInput,
    options: { readonly db?: Kysely<Database> } = {},
  ): Promise<ConsentEvent> {
    const db = options.db ?? this.#db;
    const data = parseInput(ConsentEventInputSchema, input);
    const contactPoint = this.normalizeContactPoint(data.channel, data.contactPoint);
    if (data.personId) {
      const owner = await db
        .selectFrom("person")
        .select("id")
        .where("id", "=", data.personId)
        .where("organizationId", "=", this.#organizationId)
        .executeTakeFirst();
      if (!owner) throw new NotFoundError("Person", data.personId);
    }
    const recordedAt = this.#clock().toISOString();
    const row = {
      id: newId(),
      organizationId: this.#organizationId,
      personId: data.personId ?? null,
      channel: data.channel,
      contactPoint,
      kind: data.kind,
      source: data.source,
      rawText: data.rawText ?? null,
      campaignId: data.campaignId ?? null,
      occurredAt:
        data.occurredAt === undefined
          ? recordedAt
          : normalizeTimestamp(data.occurredAt, { field: "occurredAt" }),
      recordedAt,
    };
    const inserted = await db.insertInto("consentEvent").values(row).returningAll().executeTakeFirstOrThrow();
    const event = toEvent(inserted);
    this.#onRecord(event);
    return event;
  }

  /** The current consent of a contact point on a channel. */
  async status(channel: ConsentChannel, contactPoint: string): Promise<ConsentStatus> {
    const normalized = this.normalizeContactPoint(channel, contactPoint);
    return (await this.statuses(channel, [normalized]))[0]!;
  }

  /** True when the contact point's latest event on the channel is an opt-out. */
  async isOptedOut(channel: ConsentChannel, contactPoint: string): Promise<boolean> {
    return (await this.status(channel, contactPoint)).status === "opted_out";
  }

  /**
   * Current consent of many already-normalized contact points in one query, in input order. For engines
   * that gate a batch of sends.
   */
  async statuses(channel: ConsentChannel, contactPoints: readonly string[]): Promise<ConsentStatus[]> {
    const latest = new Map<string, ConsentEvent>();
    for (let start = 0; start < contactPoints.length; start += 500) {
      const chunk = contactPoints.slice(start, start + 500);
      if (this.#dialect === "postgres") {
        // The latest event of each contact point, one index seek each (consent_event_lookup_idx backwards).
        // With `contact_point IN (…)` PostgreSQL's cost model prefers reading the whole ledger once per
        // chunk as soon as it holds a few tens of thousands of events: 25 ms a chunk at 50,000, and growing.
        const { rows } = await sql<Selectable<ConsentEventTable>>`
          select e.* from unnest(${chunk}::text[]) as k(contact_point)
          cross join lateral (
            select * from consent_event ce
            where ce.organization_id = ${this.#organizationId} and ce.channel = ${channel}
              and ce.contact_point = k.contact_point
            order by ce.occurred_at desc, ce.sequence desc
            limit 1
          ) e`.execute(this.#db);
        for (const row of rows) latest.set(row.contactPoint, toEvent(row));
        continue;
      }
      const rows = await this.#db
        .selectFrom("consentEvent")
        .selectAll()
        .where("organizationId", "=", this.#organizationId)
        .where("channel", "=", channel)
        .where("contactPoint", "in", chunk)
        .orderBy("occurredAt")
        .orderBy("sequence")
        .execute();
      for (const row of rows) latest.set(row.contactPoint, toEvent(row));
    }
    return contactPoints.map((contactPoint) => {
      const lastEvent = latest.get(contactPoint) ?? null;
      return {
        channel,
        contactPoint,
        status: statusOf(lastEvent?.kind ?? null),
        lastEvent,
      };
    });
  }

  /**
   * The current status of many already-normalized contact points, by contact point: what
   * {@link ConsentRepository.statuses} says of each, without the events behind it. Engines that gate
   * tens of thousands of sends use it: one index seek per contact point and one column read, with no
   * event objects built. A contact point with no event is `unknown`.
   */
  async currentStatuses(
    channel: ConsentChannel,
    contactPoints: readonly string[],
  ): Promise<Map<string, ConsentStatus["status"]>> {
    const current = new Map<string, ConsentStatus["status"]>();
    for (let start = 0; start < contactPoints.length; start += 1000) {
      const chunk = contactPoints.slice(start, start + 1000);
      // The latest event's kind per contact point, read backwards on consent_event_lookup_idx; the points
      // travel as one parameter (a JSON text on SQLite, an array on PostgreSQL), not one each.
      const latest = (point: unknown) => sql<string | null>`(
        select ce.kind from consent_event ce
        where ce.organization_id = ${this.#organizationId} and ce.channel = ${channel}
          and ce.contact_point = ${point}
        order by ce.occurred_at desc, ce.sequence desc
        limit 1
      )`;
      const { rows } =
        this.#dialect === "postgres"
          ? await sql<{ point: string; kind: string | null }>`
              select k.point, ${latest(sql.ref("k.point"))} as kind
              from unnest(${chunk}::text[]) as k(point)`.execute(this.#db)
          : await sql<{ point: string; kind: string | null }>`
              select k.value as point, ${latest(sql.ref("k.value"))} as kind
              from json_each(${JSON.stringify(chunk)}) as k`.execute(this.#db);
      for (const { point, kind } of rows) current.set(point, statusOf(kind));
    }
    return current;
  }

  /** Every event of a contact point on a channel, oldest first. */
  async history(channel: ConsentChannel, contactPoint: string): Promise<ConsentEvent[]> {
    const normalized = this.normalizeContactPoint(channel, contactPoint);
    const rows = await this.#db
      .selectFrom("consentEvent")
      .selectAll()
      .where("organizationId", "=", this.#organizationId)
      .where("channel", "=", channel)
      .where("contactPoint", "=", normalized)
      .orderBy("occurredAt")
      .orderBy("sequence")
      .execute();
    return rows.map(toEvent);
  }

  /** Every event recorded for a person, oldest first. */
  async forPerson(personId: string): Promise<ConsentEvent[]> {
    const rows = await this.#db
      .selectFrom("consentEvent")
      .selectAll()
      .where("organizationId", "=", this.#organizationId)
      .where("personId", "=", personId)
      .orderBy("occurredAt")
      .orderBy("sequence")
      .execute();
    return rows.map(toEvent);
  }
}

/** The status a contact point's latest event gives it (`null`: it has none). */
function statusOf(kind: string | null): ConsentStatus["status"] {
  return kind === null ? "unknown" : kind === "opt_out" ? "opted_out" : "opted_in";
}

function toEvent(row: Selectable<ConsentEventTable>): ConsentEvent {
  return {
    id: row.id,
    organizationId: row.organizationId,
    personId: row.personId,
    channel: row.channel as ConsentEvent["channel"],
    contactPoint: row.contactPoint,
    kind: row.kind as ConsentEvent["kind"],
    source: row.source as ConsentEvent["source"],
    rawText: row.rawText,
    campaignId: row.campaignId,
    occurredAt: row.occurredAt,
    recordedAt: row.recordedAt,
    sequence: Number(row.sequence),
  };
}
