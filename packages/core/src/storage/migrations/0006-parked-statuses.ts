import { type Kysely, sql } from "kysely";
import { columnTypes, type Migration } from "./types.js";

/**
 * Status callbacks that arrive before their message row is written, and leaner outbox indexes.
 *
 * - `parked_status`: the dispatcher writes message rows in batches after the provider took them, and a fast
 *   provider can report `sent` or `delivered` before that write commits. Such a callback is kept here and
 *   applied when the row appears, instead of being acknowledged and lost.
 * - `outbox_assignee_idx` covers only rows with a texter (P2P): blast rows, the bulk of the outbox, no
 *   longer pay for it on every insert and state change.
 * - `outbox_contact_idx` drops `state`: a number has few rows to filter, and every state change of every
 *   row no longer moves an entry of it.
 */
export const parkedStatuses: Migration = {
  name: "0006_parked_statuses",
  async up(db: Kysely<unknown>, dialect) {
    const t = columnTypes(dialect);
    await db.schema
      .createTable("parked_status")
      .addColumn("organization_id", "text", (c) => c.notNull())
      .addColumn("provider_id", "text", (c) => c.notNull())
      .addColumn("status", "text", (c) => c.notNull())
      .addColumn("error_code", "text")
      .addColumn("failure_reason", "text")
      .addColumn("occurred_at", t.timestamp)
      .addColumn("raw", t.json)
      .addColumn("received_at", t.timestamp, (c) => c.notNull())
      .addPrimaryKeyConstraint("parked_status_pk", ["organization_id", "provider_id", "status"])
      .execute();
    await db.schema
      .createIndex("parked_status_received_idx")
      .on("parked_status")
      .columns(["organization_id", "received_at"])
      .execute();

    await db.schema.dropIndex("outbox_assignee_idx").execute();
    await db.schema
      .createIndex("outbox_assignee_idx")
      .on("outbox")
      .columns(["organization_id", "assignee_id", "state"])
      .where(sql.ref("assignee_id"), "is not", null)
      .execute();
    await db.schema.dropIndex("outbox_contact_idx").execute();
    await db.schema
      .createIndex("outbox_contact_idx")
      .on("outbox")
      .columns(["organization_id", "contact_point"])
      .execute();
  },
};
