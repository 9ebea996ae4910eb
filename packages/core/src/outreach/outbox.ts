/**
 * The outbox: one row per intended message, written before any provider call. Its idempotency key
 * (campaign + contact point + step) is unique, so a message can be intended only once, and the row's state
 * is the only truth about whether it was sent.
 *
 * @module
 */
import type { Kysely, Selectable, Transaction } from "kysely";
import { bulkInsert, nextTurn } from "../storage/bulk.js";
import { newId } from "../storage/codec.js";
import type { Database, DialectName, OutboxTable } from "../storage/schema.js";

/**
 * Where an outbox row is in its life.
 *
 * - `unassigned` / `assigned`: a P2P message waiting for a texter, or in a texter's batch.
 * - `pending`: ready to send at `sendAfter`. `waiting`: postponed by the gate (quiet hours, caps).
 * - `sending`: claimed by a dispatcher, possibly handed to the provider (see `leaseUntil`).
 * - `sent`: the provider took it. `failed`: the provider refused it or retries ran out.
 * - `blocked`: the gate refused it (`reason`). `canceled`: the campaign was canceled first.
 * - `uncertain`: a crash left the outcome unknown and the transport cannot tell; a person decides.
 */
export type OutboxState =
  | "unassigned"
  | "assigned"
  | "pending"
  | "waiting"
  | "sending"
  | "sent"
  | "failed"
  | "blocked"
  | "canceled"
  | "uncertain";

/** What an outbox row is for. */
export type OutboxKind = "campaign" | "p2p" | "reply" | "system";

/** One outbox row. */
export interface OutboxEntry {
  /** Row id; also the message's idempotency key sent to the provider. */
  readonly id: string;
  /** The campaign, or null for system messages (opt-out confirmations, HELP answers). */
  readonly campaignId: string | null;
  /** What the row is for. */
  readonly kind: OutboxKind;
  /** The step of the campaign (1 for the first message). */
  readonly step: number;
  /** `campaign:<id>:<contact point>:<step>` and the like; unique in the organization. */
  readonly idempotencyKey: string;
  /** The recipient person, when known. */
  readonly personId: string | null;
  /** The voter record the recipient came from, when known. */
  readonly voterId: string | null;
  /** The recipient's number, E.164. */
  readonly contactPoint: string;
  /** The sender; null: the transport's default. */
  readonly sender: string | null;
  /** The rendered text. */
  readonly body: string;
  /** SMS segments of the body. */
  readonly segments: number;
  /** Where the row is in its life. */
  readonly state: OutboxState;
  /** Why it was blocked, is waiting, failed or is uncertain. */
  readonly reason: string | null;
  /** The recipient's state (two letters), when known: quiet hours follow it. */
  readonly region: string | null;
  /** The recipient's IANA time zone. */
  readonly timeZone: string | null;
  /** Not before this instant. */
  readonly sendAfter: string | null;
  /** Provider calls so far. */
  readonly attempts: number;
  /** The conversation (P2P and replies). */
  readonly conversationId: string | null;
  /** The texter (person id) the row is assigned to (P2P). */
  readonly assigneeId: string | null;
  /** The P2P batch. */
  readonly batchId: string | null;
  /** The message row written when the provider took it. */
  readonly messageId: string | null;
  /** The provider's message id. */
  readonly providerId: string | null;
  /** The provider's error code of the last failure. */
  readonly errorCode: string | null;
  /** The last failure, in words. */
  readonly errorMessage: string | null;
  /** When the provider took it. */
  readonly sentAt: string | null;
  /** When a dispatcher last claimed it. */
  readonly claimedAt: string | null;
  /** When the row was written. */
  readonly createdAt: string;
  /** The channel, `sms` or `email`. */
  readonly channel: "sms" | "email";
  /** Email rows: the recipient's substitution values, JSON. */
  readonly payload: string | null;
}

/** @internal */
export function toEntry(row: Selectable<OutboxTable>): OutboxEntry {
  return {
    id: row.id,
    campaignId: row.campaignId,
    kind: row.kind as OutboxKind,
    step: Number(row.step),
    idempotencyKey: row.idempotencyKey,
    personId: row.personId,
    voterId: row.voterId,
    contactPoint: row.contactPoint,
    sender: row.sender,
    body: row.body,
    segments: Number(row.segments),
    state: row.state as OutboxState,
    reason: row.reason,
    region: row.region,
    timeZone: row.timeZone,
    sendAfter: row.sendAfter,
    attempts: Number(row.attempts),
    conversationId: row.conversationId,
    assigneeId: row.assigneeId,
    batchId: row.batchId,
    messageId: row.messageId,
    providerId: row.providerId,
    errorCode: row.errorCode,
    errorMessage: row.errorMessage,
    sentAt: row.sentAt,
    claimedAt: row.claimedAt,
    createdAt: row.createdAt,
    channel: row.channel === "email" ? "email" : "sms",
    payload: row.payload ?? null,
  };
}

/** @internal A new row's fields; the rest take defaults. */
export interface NewOutboxRow {
  readonly campaignId: string | null;
  readonly kind: OutboxKind;
  readonly step: number;
  readonly idempotencyKey: string;
  readonly personId: string | null;
  readonly voterId: string | null;
  readonly contactPoint: string;
  readonly sender: string | null;
  readonly body: string;
  readonly segments: number;
  readonly state: OutboxState;
  readonly reason?: string | null;
  readonly region: string | null;
  readonly timeZone: string | null;
  readonly sendAfter: string | null;
  readonly conversationId?: string | null;
  readonly assigneeId?: string | null;
  /** The channel. Default `sms`. */
  readonly channel?: "sms" | "email";
  /** Email rows: the recipient's substitution values, JSON. */
  readonly payload?: string | null;
}

/**
 * @internal Inserts rows; a row whose idempotency key exists already is skipped (a re-launch after a crash
 * writes nothing twice). `between` is awaited between two statements. Returns how many were new.
 */
export async function insertOutbox(
  db: Kysely<Database> | Transaction<Database>,
  dialect: DialectName,
  organizationId: string,
  rows: readonly NewOutboxRow[],
  at: string,
  between?: () => Promise<void>,
): Promise<number> {
  const values = rows.map((row) => ({
    id: newId(),
    organizationId,
    campaignId: row.campaignId,
    kind: row.kind,
    channel: row.channel ?? "sms",
    step: row.step,
    idempotencyKey: row.idempotencyKey,
    personId: row.personId,
    voterId: row.voterId,
    contactPoint: row.contactPoint,
    sender: row.sender,
    body: row.body,
    segments: row.segments,
    state: row.state,
    reason: row.reason ?? null,
    region: row.region,
    timeZone: row.timeZone,
    sendAfter: row.sendAfter,
    attempts: 0,
    leaseUntil: null,
    claimedAt: null,
    conversationId: row.conversationId ?? null,
    assigneeId: row.assigneeId ?? null,
    batchId: null,
    messageId: null,
    providerId: null,
    errorCode: null,
    errorMessage: null,
    sentAt: null,
    createdAt: at,
    updatedAt: at,
    payload: row.payload ?? null,
  }));
  // One cached statement text per chunk size, bound row by row, rather than a builder query compiled per
  // value: a campaign launch writes tens of thousands of rows.
  const inserted = await bulkInsert(db, dialect, "outbox", values, {
    chunk: 500,
    ignoreConflictOn: ["organizationId", "idempotencyKey"],
    ...(between ? { between } : {}),
  });
  return inserted;
}

/**
 * @internal Rows a launch writes per transaction. A commit rewrites every index page its rows touched, and a
 * launch's keys (contact points, idempotency keys) land all over the indexes: on SQLite, 100,000 outbox
 * rows written 500 to a commit took about 2.5× as long as the same rows written 10,000 to a commit.
 */
export const LAUNCH_WRITE_ROWS = 10_000;

/**
 * @internal Collects a launch's outbox rows and writes them {@link LAUNCH_WRITE_ROWS} at a time, each group in
 * one transaction. A launch that dies part way has committed whole groups only; launching again skips the
 * rows whose idempotency keys exist, so nothing is intended twice.
 */
export class OutboxWriter {
  readonly #db: Kysely<Database>;
  readonly #dialect: DialectName;
  readonly #organizationId: string;
  readonly #at: string;
  readonly #groupRows: number;
  #rows: NewOutboxRow[] = [];

  constructor(
    db: Kysely<Database>,
    dialect: DialectName,
    organizationId: string,
    at: string,
    groupRows: number = LAUNCH_WRITE_ROWS,
  ) {
    this.#db = db;
    this.#dialect = dialect;
    this.#organizationId = organizationId;
    this.#at = at;
    this.#groupRows = groupRows;
  }

  /** Adds rows; writes a group when enough have collected. Returns how many new rows that wrote. */
  async add(rows: readonly NewOutboxRow[]): Promise<number> {
    for (const row of rows) this.#rows.push(row);
    return this.#rows.length >= this.#groupRows ? this.flush() : 0;
  }

  /** Writes what has collected, in one transaction. Returns how many new rows that wrote. */
  async flush(): Promise<number> {
    const rows = this.#rows;
    if (rows.length === 0) return 0;
    this.#rows = [];
    // SQLite runs statements synchronously: between two of them the event loop turns, so provider answers
    // and webhooks are read while a group is written.
    const between = this.#dialect === "sqlite" ? nextTurn : undefined;
    return this.#db
      .transaction()
      .execute((trx) => insertOutbox(trx, this.#dialect, this.#organizationId, rows, this.#at, between));
  }
}

/** @internal The outbox key of a campaign message. */
export function campaignKey(campaignId: string, contactPoint: string, step: number): string {
  return `campaign:${campaignId}:${contactPoint}:${step}`;
}
