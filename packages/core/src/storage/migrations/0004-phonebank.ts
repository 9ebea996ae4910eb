import { type Kysely, sql } from "kysely";
import type { DialectName } from "../schema.js";
import { columnTypes, type Migration } from "./types.js";

// Frozen once released, like every migration.

/**
 * Phone banks: per-campaign dialer settings, the call list (one row per phone number to call), volunteer
 * call sessions, and the columns the existing `call` table (from `0001_initial`) needs to tie each call to
 * its contact and session and to count abandoned calls.
 */
export const phonebank: Migration = {
  name: "0004_phonebank",
  async up(db: Kysely<unknown>, dialect: DialectName) {
    const t = columnTypes(dialect);

    // Dialer settings of a voice campaign (retry limit, ring time, voicemail and abandonment messages, ...),
    // one row per campaign. The campaign row itself keeps audience, policy and script.
    await db.schema
      .createTable("phonebank")
      .addColumn("campaign_id", "text", (c) => c.primaryKey().references("campaign.id"))
      .addColumn("organization_id", "text", (c) => c.notNull().references("organization.id"))
      .addColumn("settings", t.json, (c) => c.notNull())
      .addColumn("created_at", t.timestamp, (c) => c.notNull())
      .addColumn("updated_at", t.timestamp, (c) => c.notNull())
      .execute();

    // The call list. `state` moves: ready (callable from `next_attempt_at`) → claimed (a session or the
    // predictive pacer holds it, until `lease_until`) → dialing → ready again (a retry) or one of the final
    // states done / exhausted (retry limit) / blocked (the gate refused: `reason`) / canceled. A contact is
    // claimed by one session at a time (a conditional UPDATE, `FOR UPDATE SKIP LOCKED` on PostgreSQL), and
    // never while a call to it is still live. One row per phone number per campaign.
    await db.schema
      .createTable("phonebank_contact")
      .addColumn("id", "text", (c) => c.primaryKey())
      .addColumn("organization_id", "text", (c) => c.notNull().references("organization.id"))
      .addColumn("campaign_id", "text", (c) => c.notNull().references("campaign.id"))
      .addColumn("person_id", "text", (c) => c.references("person.id").onDelete("set null"))
      .addColumn("voter_id", "text")
      .addColumn("phone", "text", (c) => c.notNull())
      .addColumn("given_name", "text")
      .addColumn("family_name", "text")
      .addColumn("county", "text")
      .addColumn("precinct", "text")
      .addColumn("zip", "text")
      .addColumn("region", "text")
      .addColumn("time_zone", "text")
      .addColumn("state", "text", (c) => c.notNull())
      .addColumn("reason", "text")
      .addColumn("result", "text")
      .addColumn("attempts", "integer", (c) => c.notNull())
      .addColumn("next_attempt_at", t.timestamp)
      .addColumn("session_id", "text")
      .addColumn("lease_until", t.timestamp)
      .addColumn("last_call_id", "text")
      .addColumn("created_at", t.timestamp, (c) => c.notNull())
      .addColumn("updated_at", t.timestamp, (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex("phonebank_contact_phone_uq")
      .on("phonebank_contact")
      .columns(["campaign_id", "phone"])
      .unique()
      .execute();
    // The claim: callable rows of one campaign in due order (id breaks ties without a sort).
    await db.schema
      .createIndex("phonebank_contact_ready_idx")
      .on("phonebank_contact")
      .columns(["campaign_id", "state", "next_attempt_at", "id"])
      .execute();

    // Recovery: claims and dials whose lease ran out (a crashed process, a lost webhook). Partial: only
    // contacts held by someone carry a lease, and the index stays out of the way of every other write.
    await db.schema
      .createIndex("phonebank_contact_lease_idx")
      .on("phonebank_contact")
      .columns(["organization_id", "state", "lease_until"])
      .where(sql.ref("state"), "in", [sql.lit("claimed"), sql.lit("dialing")])
      .execute();

    // A volunteer's call session: how they joined (browser or phone), the conference room contacts are
    // dialed into, and what they are doing now.
    await db.schema
      .createTable("phonebank_session")
      .addColumn("id", "text", (c) => c.primaryKey())
      .addColumn("organization_id", "text", (c) => c.notNull().references("organization.id"))
      .addColumn("campaign_id", "text", (c) => c.notNull().references("campaign.id"))
      .addColumn("volunteer_id", "text", (c) => c.notNull().references("person.id"))
      .addColumn("via", "text", (c) => c.notNull())
      .addColumn("endpoint", "text", (c) => c.notNull())
      .addColumn("conference_name", "text", (c) => c.notNull())
      .addColumn("leg_call_id", "text")
      .addColumn("state", "text", (c) => c.notNull())
      .addColumn("contact_id", "text")
      .addColumn("call_id", "text")
      .addColumn("ready_at", t.timestamp)
      .addColumn("joined_at", t.timestamp, (c) => c.notNull())
      .addColumn("left_at", t.timestamp)
      .addColumn("created_at", t.timestamp, (c) => c.notNull())
      .addColumn("updated_at", t.timestamp, (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex("phonebank_session_state_idx")
      .on("phonebank_session")
      .columns(["campaign_id", "state", "ready_at"])
      .execute();

    // Calls: which leg (the volunteer's own call or a contact's), the contact and session, when a person
    // answered, whether nobody was free to take it (abandonment, capped at 3% per campaign), whether a
    // voicemail was left, and the interaction its outcome was written as.
    await db.schema.alterTable("call").addColumn("leg", "text").execute();
    await db.schema.alterTable("call").addColumn("contact_id", "text").execute();
    await db.schema.alterTable("call").addColumn("session_id", "text").execute();
    await db.schema.alterTable("call").addColumn("answered_at", t.timestamp).execute();
    await db.schema.alterTable("call").addColumn("abandoned", t.bool).execute();
    await db.schema.alterTable("call").addColumn("voicemail", t.bool).execute();
    await db.schema.alterTable("call").addColumn("error_code", "text").execute();
    await db.schema.alterTable("call").addColumn("interaction_id", "text").execute();
    await db.schema.createIndex("call_provider_idx").on("call").column("provider_id").execute();
    await db.schema.createIndex("call_contact_idx").on("call").columns(["contact_id", "status"]).execute();
    // Predictive pacing counts a campaign's calls still ringing, and its calls placed in the last 30 days.
    await db.schema
      .createIndex("call_campaign_status_idx")
      .on("call")
      .columns(["campaign_id", "status"])
      .execute();
    await db.schema
      .createIndex("call_campaign_started_idx")
      .on("call")
      .columns(["campaign_id", "started_at"])
      .execute();
    // States that cap calls per person per 24 hours (FL, MD, OK): calls to one number, by time.
    await db.schema
      .createIndex("call_to_started_idx")
      .on("call")
      .columns(["organization_id", "to", "started_at"])
      .execute();
    await db.schema
      .createIndex("call_campaign_answered_idx")
      .on("call")
      .columns(["campaign_id", "answered_at"])
      .execute();
  },
};
