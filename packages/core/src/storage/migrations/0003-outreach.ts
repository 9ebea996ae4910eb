import type { Kysely } from "kysely";
import type { DialectName } from "../schema.js";
import { columnTypes, type Migration } from "./types.js";

// Frozen once released, like every migration.

/**
 * The outreach engine: the durable outbox (one row per intended message, written before any provider
 * call), webhook dedupe, peer-to-peer batches, and the columns campaigns and conversations need for
 * sending, threading and inboxes.
 */
export const outreach: Migration = {
  name: "0003_outreach",
  async up(db: Kysely<unknown>, dialect: DialectName) {
    const t = columnTypes(dialect);

    // A campaign's sender (number, short code or Messaging Service), its P2P script (canned responses, the
    // survey question replies answer) and why it paused, if it did.
    await db.schema.alterTable("campaign").addColumn("sender", "text").execute();
    await db.schema.alterTable("campaign").addColumn("script", t.json).execute();
    await db.schema.alterTable("campaign").addColumn("paused_reason", "text").execute();
    await db.schema.alterTable("campaign").addColumn("launched_at", t.timestamp).execute();

    // The inbox needs to know which conversations wait for an answer.
    await db.schema.alterTable("conversation").addColumn("last_inbound_at", t.timestamp).execute();
    await db.schema.alterTable("conversation").addColumn("last_outbound_at", t.timestamp).execute();
    await db.schema
      .createIndex("conversation_assignee_idx")
      .on("conversation")
      .columns(["organization_id", "assignee_id", "status"])
      .execute();

    // One row per intended message. `state` moves: unassigned (P2P, waiting for a texter) → assigned →
    // pending → sending → sent; or waiting (quiet hours, frequency cap: `send_after` says until when);
    // or blocked (the gate refused: `reason`), failed, canceled, uncertain (a crash left the outcome unknown
    // and the transport cannot tell). The idempotency key (campaign + contact point + step) is unique, so
    // one campaign never writes two rows for one phone: that is also the household-phone dedupe.
    await db.schema
      .createTable("outbox")
      .addColumn("id", "text", (c) => c.primaryKey())
      .addColumn("organization_id", "text", (c) => c.notNull().references("organization.id"))
      .addColumn("campaign_id", "text", (c) => c.references("campaign.id"))
      .addColumn("kind", "text", (c) => c.notNull())
      .addColumn("channel", "text", (c) => c.notNull())
      .addColumn("step", "integer", (c) => c.notNull())
      .addColumn("idempotency_key", "text", (c) => c.notNull())
      .addColumn("person_id", "text", (c) => c.references("person.id").onDelete("set null"))
      .addColumn("voter_id", "text")
      .addColumn("contact_point", "text", (c) => c.notNull())
      .addColumn("sender", "text")
      .addColumn("body", "text", (c) => c.notNull())
      .addColumn("segments", "integer", (c) => c.notNull())
      .addColumn("state", "text", (c) => c.notNull())
      .addColumn("reason", "text")
      .addColumn("region", "text")
      .addColumn("time_zone", "text")
      .addColumn("send_after", t.timestamp)
      .addColumn("attempts", "integer", (c) => c.notNull())
      .addColumn("lease_until", t.timestamp)
      .addColumn("claimed_at", t.timestamp)
      .addColumn("conversation_id", "text")
      .addColumn("assignee_id", "text")
      .addColumn("batch_id", "text")
      .addColumn("message_id", "text")
      .addColumn("provider_id", "text")
      .addColumn("error_code", "text")
      .addColumn("error_message", "text")
      .addColumn("sent_at", t.timestamp)
      .addColumn("created_at", t.timestamp, (c) => c.notNull())
      .addColumn("updated_at", t.timestamp, (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex("outbox_key_uq")
      .on("outbox")
      .columns(["organization_id", "idempotency_key"])
      .unique()
      .execute();
    // The dispatcher's claim: ready rows of one organization in due order.
    await db.schema
      .createIndex("outbox_ready_idx")
      .on("outbox")
      .columns(["organization_id", "state", "send_after"])
      .execute();
    await db.schema
      .createIndex("outbox_campaign_idx")
      .on("outbox")
      .columns(["campaign_id", "state"])
      .execute();
    await db.schema
      .createIndex("outbox_assignee_idx")
      .on("outbox")
      .columns(["organization_id", "assignee_id", "state"])
      .execute();
    await db.schema
      .createIndex("outbox_contact_idx")
      .on("outbox")
      .columns(["organization_id", "contact_point", "state"])
      .execute();

    // Frequency caps count what a person (or a number) was sent in the last 24 hours.
    await db.schema
      .createIndex("message_person_sent_idx")
      .on("message")
      .columns(["person_id", "sent_at"])
      .execute();
    await db.schema
      .createIndex("message_to_sent_idx")
      .on("message")
      .columns(["organization_id", "to", "sent_at"])
      .execute();

    // Audiences of people (lists) are read in id order, page by page: a range seek, not a scan and a sort.
    await db.schema
      .createIndex("person_org_id_idx")
      .on("person")
      .columns(["organization_id", "id"])
      .execute();

    // Providers retry webhooks: each event is handled once, keyed by what the provider calls it.
    await db.schema
      .createTable("webhook_event")
      .addColumn("organization_id", "text", (c) => c.notNull().references("organization.id"))
      .addColumn("provider", "text", (c) => c.notNull())
      .addColumn("event_key", "text", (c) => c.notNull())
      .addColumn("received_at", t.timestamp, (c) => c.notNull())
      .addPrimaryKeyConstraint("webhook_event_pk", ["organization_id", "provider", "event_key"])
      .execute();

    // A batch of P2P contacts handed to one texter.
    await db.schema
      .createTable("p2p_batch")
      .addColumn("id", "text", (c) => c.primaryKey())
      .addColumn("organization_id", "text", (c) => c.notNull().references("organization.id"))
      .addColumn("campaign_id", "text", (c) => c.notNull().references("campaign.id"))
      .addColumn("texter_id", "text", (c) => c.notNull())
      .addColumn("size", "integer", (c) => c.notNull())
      .addColumn("created_at", t.timestamp, (c) => c.notNull())
      .execute();
  },
};
