import { type CreateTableBuilder, type Kysely, sql } from "kysely";
import type { DialectName } from "../schema.js";
import { columnTypes, type Migration } from "./types.js";

// Frozen: this migration must never change once released. Later schema changes go into new migrations.

/** The first schema: every table of the model. */
export const initial: Migration = {
  name: "0001_initial",
  async up(db: Kysely<unknown>, dialect: DialectName) {
    const t = columnTypes(dialect);
    const owned = <N extends string>(name: N) =>
      db.schema
        .createTable(name)
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("organization_id", "text", (c) => c.notNull().references("organization.id"))
        .addColumn("created_at", t.timestamp, (c) => c.notNull())
        .addColumn("updated_at", t.timestamp, (c) => c.notNull());
    const create = async <N extends string>(
      name: N,
      columns: (b: CreateTableBuilder<N, "id">) => CreateTableBuilder<N, "id">,
    ) => {
      await columns(owned(name) as unknown as CreateTableBuilder<N, "id">).execute();
      await db.schema.createIndex(`${name}_org_idx`).on(name).column("organization_id").execute();
    };

    await db.schema
      .createTable("organization")
      .addColumn("id", "text", (c) => c.primaryKey())
      .addColumn("name", "text", (c) => c.notNull())
      .addColumn("slug", "text", (c) => c.notNull().unique())
      .addColumn("parent_id", "text", (c) => c.references("organization.id"))
      .addColumn("time_zone", "text", (c) => c.notNull())
      .addColumn("postal_address", "text")
      .addColumn("help_text", "text")
      .addColumn("created_at", t.timestamp, (c) => c.notNull())
      .addColumn("updated_at", t.timestamp, (c) => c.notNull())
      .execute();

    await create("household", (b) => b.addColumn("name", "text").addColumn("address", t.json));

    await create("person", (b) =>
      b
        .addColumn("given_name", "text")
        .addColumn("family_name", "text")
        .addColumn("additional_name", "text")
        .addColumn("honorific_prefix", "text")
        .addColumn("honorific_suffix", "text")
        .addColumn("birthdate", t.date)
        .addColumn("birth_year", "integer")
        .addColumn("gender", "text")
        .addColumn("language_spoken", "text")
        .addColumn("household_id", "text", (c) => c.references("household.id"))
        .addColumn("custom_fields", t.json, (c) => c.notNull())
        .addColumn("given_key", "text")
        .addColumn("family_key", "text"),
    );
    await db.schema
      .createIndex("person_name_idx")
      .on("person")
      .columns(["organization_id", "family_key", "given_key"])
      .execute();

    const contactPoint = (name: string) =>
      db.schema
        .createTable(name)
        .addColumn("id", "text", (c) => c.primaryKey())
        .addColumn("organization_id", "text", (c) => c.notNull().references("organization.id"))
        .addColumn("person_id", "text", (c) => c.notNull().references("person.id").onDelete("cascade"))
        .addColumn("primary", t.bool, (c) => c.notNull())
        .addColumn("status", "text", (c) => c.notNull())
        .addColumn("position", "integer", (c) => c.notNull());
    await contactPoint("person_email")
      .addColumn("address", "text", (c) => c.notNull())
      .addColumn("address_type", "text", (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex("person_email_lookup_idx")
      .on("person_email")
      .columns(["organization_id", "address"])
      .execute();
    await db.schema.createIndex("person_email_person_idx").on("person_email").column("person_id").execute();
    await contactPoint("person_phone")
      .addColumn("number", "text", (c) => c.notNull())
      .addColumn("number_type", "text", (c) => c.notNull())
      .addColumn("line_type", "text", (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex("person_phone_lookup_idx")
      .on("person_phone")
      .columns(["organization_id", "number"])
      .execute();
    await db.schema.createIndex("person_phone_person_idx").on("person_phone").column("person_id").execute();
    await contactPoint("person_address")
      .addColumn("address_lines", t.json, (c) => c.notNull())
      .addColumn("locality", "text")
      .addColumn("region", "text")
      .addColumn("postal_code", "text")
      .addColumn("country", "text", (c) => c.notNull())
      .addColumn("address_type", "text", (c) => c.notNull())
      .addColumn("zip5", "text")
      .addColumn("street_key", "text")
      .execute();
    await db.schema
      .createIndex("person_address_lookup_idx")
      .on("person_address")
      .columns(["organization_id", "zip5", "street_key"])
      .execute();
    await db.schema
      .createIndex("person_address_person_idx")
      .on("person_address")
      .column("person_id")
      .execute();

    await db.schema
      .createTable("person_identifier")
      .addColumn("organization_id", "text", (c) => c.notNull().references("organization.id"))
      .addColumn("person_id", "text", (c) => c.notNull().references("person.id").onDelete("cascade"))
      .addColumn("system", "text", (c) => c.notNull())
      .addColumn("value", "text", (c) => c.notNull())
      .addPrimaryKeyConstraint("person_identifier_pk", ["organization_id", "system", "value"])
      .execute();
    await db.schema
      .createIndex("person_identifier_person_idx")
      .on("person_identifier")
      .column("person_id")
      .execute();

    await create("tag", (b) =>
      b.addColumn("name", "text", (c) => c.notNull()).addColumn("description", "text"),
    );
    await db.schema
      .createIndex("tag_name_uq")
      .on("tag")
      .columns(["organization_id", "name"])
      .unique()
      .execute();
    await db.schema
      .createTable("person_tag")
      .addColumn("organization_id", "text", (c) => c.notNull().references("organization.id"))
      .addColumn("person_id", "text", (c) => c.notNull().references("person.id").onDelete("cascade"))
      .addColumn("tag_id", "text", (c) => c.notNull().references("tag.id").onDelete("cascade"))
      .addPrimaryKeyConstraint("person_tag_pk", ["person_id", "tag_id"])
      .execute();
    await db.schema.createIndex("person_tag_tag_idx").on("person_tag").column("tag_id").execute();

    await create("list", (b) =>
      b.addColumn("name", "text", (c) => c.notNull()).addColumn("description", "text"),
    );
    await db.schema
      .createTable("list_member")
      .addColumn("organization_id", "text", (c) => c.notNull().references("organization.id"))
      .addColumn("list_id", "text", (c) => c.notNull().references("list.id").onDelete("cascade"))
      .addColumn("person_id", "text", (c) => c.notNull().references("person.id").onDelete("cascade"))
      .addColumn("added_at", t.timestamp, (c) => c.notNull())
      .addPrimaryKeyConstraint("list_member_pk", ["list_id", "person_id"])
      .execute();
    await db.schema.createIndex("list_member_person_idx").on("list_member").column("person_id").execute();

    await create("segment", (b) =>
      b
        .addColumn("name", "text", (c) => c.notNull())
        .addColumn("description", "text")
        .addColumn("filter", t.json, (c) => c.notNull()),
    );

    // The consent ledger: `sequence` orders events that share an instant; rows are never updated or deleted.
    const ledger = db.schema.createTable("consent_event");
    await (dialect === "postgres"
      ? ledger.addColumn("sequence", "bigserial", (c) => c.primaryKey())
      : ledger.addColumn("sequence", "integer", (c) => c.primaryKey().autoIncrement())
    )
      .addColumn("id", "text", (c) => c.notNull().unique())
      .addColumn("organization_id", "text", (c) => c.notNull().references("organization.id"))
      .addColumn("person_id", "text")
      .addColumn("channel", "text", (c) => c.notNull())
      .addColumn("contact_point", "text", (c) => c.notNull())
      .addColumn("kind", "text", (c) => c.notNull())
      .addColumn("source", "text", (c) => c.notNull())
      .addColumn("raw_text", "text")
      .addColumn("campaign_id", "text")
      .addColumn("occurred_at", t.timestamp, (c) => c.notNull())
      .addColumn("recorded_at", t.timestamp, (c) => c.notNull())
      .execute();
    await db.schema
      .createIndex("consent_event_lookup_idx")
      .on("consent_event")
      .columns(["organization_id", "channel", "contact_point", "occurred_at", "sequence"])
      .execute();
    await db.schema.createIndex("consent_event_person_idx").on("consent_event").column("person_id").execute();
    if (dialect === "postgres") {
      await sql`create function precinct_consent_append_only() returns trigger language plpgsql as $$
        begin raise exception 'consent_event is append-only: opt-outs are never changed or deleted'; end $$`.execute(
        db,
      );
      await sql`create trigger consent_event_no_update before update or delete on consent_event
        for each row execute function precinct_consent_append_only()`.execute(db);
      await sql`create trigger consent_event_no_truncate before truncate on consent_event
        for each statement execute function precinct_consent_append_only()`.execute(db);
    } else {
      await sql`create trigger consent_event_no_update before update on consent_event
        begin select raise(abort, 'consent_event is append-only: opt-outs are never changed or deleted'); end`.execute(
        db,
      );
      await sql`create trigger consent_event_no_delete before delete on consent_event
        begin select raise(abort, 'consent_event is append-only: opt-outs are never changed or deleted'); end`.execute(
        db,
      );
    }

    await create("voter", (b) =>
      b
        .addColumn("state", "text", (c) => c.notNull())
        .addColumn("state_voter_id", "text", (c) => c.notNull())
        .addColumn("county_voter_id", "text")
        .addColumn("county", "text")
        .addColumn("status", "text", (c) => c.notNull())
        .addColumn("status_reason", "text")
        .addColumn("registration_date", t.date)
        .addColumn("party", "text")
        .addColumn("birth_year", "integer")
        .addColumn("birthdate", t.date)
        .addColumn("gender", "text")
        .addColumn("race", "text")
        .addColumn("ethnicity", "text")
        .addColumn("given_name", "text")
        .addColumn("family_name", "text")
        .addColumn("additional_name", "text")
        .addColumn("honorific_suffix", "text")
        .addColumn("residential_address", t.json)
        .addColumn("mailing_address", t.json)
        .addColumn("phone", "text")
        .addColumn("precinct", "text")
        .addColumn("districts", t.json, (c) => c.notNull())
        .addColumn("person_id", "text", (c) => c.references("person.id").onDelete("set null"))
        .addColumn("removed_at", t.timestamp),
    );
    await db.schema
      .createIndex("voter_state_id_uq")
      .on("voter")
      .columns(["organization_id", "state", "state_voter_id"])
      .unique()
      .execute();
    await db.schema
      .createIndex("voter_precinct_idx")
      .on("voter")
      .columns(["organization_id", "precinct"])
      .execute();
    await db.schema.createIndex("voter_person_idx").on("voter").column("person_id").execute();

    await create("election", (b) =>
      b
        .addColumn("date", t.date, (c) => c.notNull())
        .addColumn("type", "text", (c) => c.notNull())
        .addColumn("name", "text")
        .addColumn("jurisdiction", "text"),
    );
    await db.schema
      .createIndex("election_date_idx")
      .on("election")
      .columns(["organization_id", "date"])
      .execute();
    await db.schema
      .createTable("vote_history")
      .addColumn("organization_id", "text", (c) => c.notNull().references("organization.id"))
      .addColumn("voter_id", "text", (c) => c.notNull().references("voter.id").onDelete("cascade"))
      .addColumn("election_id", "text", (c) => c.notNull().references("election.id"))
      .addColumn("method", "text", (c) => c.notNull())
      .addColumn("party", "text")
      .addPrimaryKeyConstraint("vote_history_pk", ["voter_id", "election_id"])
      .execute();
    await db.schema
      .createIndex("vote_history_election_idx")
      .on("vote_history")
      .column("election_id")
      .execute();

    await create("campaign", (b) =>
      b
        .addColumn("name", "text", (c) => c.notNull())
        .addColumn("channel", "text", (c) => c.notNull())
        .addColumn("mode", "text", (c) => c.notNull())
        .addColumn("status", "text", (c) => c.notNull())
        .addColumn("audience", t.json, (c) => c.notNull())
        .addColumn("template", t.json, (c) => c.notNull())
        .addColumn("schedule", t.json, (c) => c.notNull())
        .addColumn("policy", t.json, (c) => c.notNull()),
    );
    await create("conversation", (b) =>
      b
        .addColumn("channel", "text", (c) => c.notNull())
        .addColumn("our_address", "text", (c) => c.notNull())
        .addColumn("their_address", "text", (c) => c.notNull())
        .addColumn("person_id", "text", (c) => c.references("person.id").onDelete("set null"))
        .addColumn("campaign_id", "text", (c) => c.references("campaign.id"))
        .addColumn("assignee_id", "text", (c) => c.references("person.id").onDelete("set null"))
        .addColumn("status", "text", (c) => c.notNull())
        .addColumn("tags", t.json, (c) => c.notNull())
        .addColumn("last_message_at", t.timestamp),
    );
    await db.schema
      .createIndex("conversation_thread_uq")
      .on("conversation")
      .columns(["organization_id", "channel", "our_address", "their_address"])
      .unique()
      .execute();
    await create("message", (b) =>
      b
        .addColumn("channel", "text", (c) => c.notNull())
        .addColumn("direction", "text", (c) => c.notNull())
        .addColumn("campaign_id", "text", (c) => c.references("campaign.id"))
        .addColumn("conversation_id", "text", (c) => c.references("conversation.id"))
        .addColumn("person_id", "text", (c) => c.references("person.id").onDelete("set null"))
        .addColumn("from", "text", (c) => c.notNull())
        .addColumn("to", "text", (c) => c.notNull())
        .addColumn("subject", "text")
        .addColumn("body", "text", (c) => c.notNull())
        .addColumn("status", "text", (c) => c.notNull())
        .addColumn("provider_id", "text")
        .addColumn("idempotency_key", "text")
        .addColumn("segments", "integer")
        .addColumn("error_code", "text")
        .addColumn("error_message", "text")
        .addColumn("sent_at", t.timestamp),
    );
    await db.schema
      .createIndex("message_idempotency_uq")
      .on("message")
      .columns(["organization_id", "idempotency_key"])
      .unique()
      .execute();
    await db.schema.createIndex("message_provider_idx").on("message").column("provider_id").execute();
    await db.schema.createIndex("message_campaign_idx").on("message").column("campaign_id").execute();

    await create("call", (b) =>
      b
        .addColumn("campaign_id", "text", (c) => c.references("campaign.id"))
        .addColumn("person_id", "text", (c) => c.references("person.id").onDelete("set null"))
        .addColumn("volunteer_id", "text", (c) => c.references("person.id").onDelete("set null"))
        .addColumn("to", "text", (c) => c.notNull())
        .addColumn("from", "text")
        .addColumn("provider_id", "text")
        .addColumn("status", "text", (c) => c.notNull())
        .addColumn("answered_by", "text")
        .addColumn("disposition", "text")
        .addColumn("attempt", "integer", (c) => c.notNull())
        .addColumn("duration_seconds", "integer")
        .addColumn("started_at", t.timestamp)
        .addColumn("ended_at", t.timestamp),
    );
    await create("survey_question", (b) =>
      b
        .addColumn("campaign_id", "text", (c) => c.references("campaign.id"))
        .addColumn("prompt", "text", (c) => c.notNull())
        .addColumn("kind", "text", (c) => c.notNull())
        .addColumn("responses", t.json, (c) => c.notNull()),
    );
    await create("interaction", (b) =>
      b
        .addColumn("person_id", "text", (c) => c.notNull().references("person.id").onDelete("cascade"))
        .addColumn("channel", "text", (c) => c.notNull())
        .addColumn("outcome", "text", (c) => c.notNull())
        .addColumn("result_code", "text")
        .addColumn("volunteer_id", "text", (c) => c.references("person.id").onDelete("set null"))
        .addColumn("campaign_id", "text", (c) => c.references("campaign.id"))
        .addColumn("notes", "text")
        .addColumn("occurred_at", t.timestamp, (c) => c.notNull()),
    );
    await db.schema
      .createIndex("interaction_person_idx")
      .on("interaction")
      .columns(["person_id", "occurred_at"])
      .execute();
    await create("survey_response", (b) =>
      b
        .addColumn("question_id", "text", (c) => c.notNull().references("survey_question.id"))
        .addColumn("person_id", "text", (c) => c.notNull().references("person.id").onDelete("cascade"))
        .addColumn("value", "text", (c) => c.notNull())
        .addColumn("interaction_id", "text", (c) => c.references("interaction.id"))
        .addColumn("responded_at", t.timestamp, (c) => c.notNull()),
    );

    await create("petition", (b) =>
      b
        .addColumn("title", "text", (c) => c.notNull())
        .addColumn("description", "text")
        .addColumn("target", "text")
        .addColumn("identifiers", t.json, (c) => c.notNull()),
    );
    await create("signature", (b) =>
      b
        .addColumn("petition_id", "text", (c) => c.notNull().references("petition.id").onDelete("cascade"))
        .addColumn("person_id", "text", (c) => c.notNull().references("person.id").onDelete("cascade"))
        .addColumn("comment", "text")
        .addColumn("signed_at", t.timestamp, (c) => c.notNull())
        .addColumn("identifiers", t.json, (c) => c.notNull()),
    );
    await db.schema
      .createIndex("signature_uq")
      .on("signature")
      .columns(["petition_id", "person_id"])
      .unique()
      .execute();
    await create("event", (b) =>
      b
        .addColumn("title", "text", (c) => c.notNull())
        .addColumn("description", "text")
        .addColumn("start_date", t.timestamp, (c) => c.notNull())
        .addColumn("end_date", t.timestamp)
        .addColumn("location", t.json)
        .addColumn("capacity", "integer")
        .addColumn("status", "text", (c) => c.notNull())
        .addColumn("identifiers", t.json, (c) => c.notNull()),
    );
    await create("attendance", (b) =>
      b
        .addColumn("event_id", "text", (c) => c.notNull().references("event.id").onDelete("cascade"))
        .addColumn("person_id", "text", (c) => c.notNull().references("person.id").onDelete("cascade"))
        .addColumn("status", "text", (c) => c.notNull())
        .addColumn("identifiers", t.json, (c) => c.notNull()),
    );
    await db.schema
      .createIndex("attendance_uq")
      .on("attendance")
      .columns(["event_id", "person_id"])
      .unique()
      .execute();
    await create("donation", (b) =>
      b
        .addColumn("person_id", "text", (c) => c.references("person.id").onDelete("set null"))
        .addColumn("amount", "integer", (c) => c.notNull())
        .addColumn("currency", "text", (c) => c.notNull())
        .addColumn("received_at", t.timestamp, (c) => c.notNull())
        .addColumn("source", "text")
        .addColumn("identifiers", t.json, (c) => c.notNull()),
    );
    await create("volunteer_role", (b) =>
      b
        .addColumn("person_id", "text", (c) => c.notNull().references("person.id").onDelete("cascade"))
        .addColumn("ladder_stage", "text", (c) => c.notNull())
        .addColumn("team", "text")
        .addColumn("turf", t.json, (c) => c.notNull())
        .addColumn("skills", t.json, (c) => c.notNull())
        .addColumn("custom_fields", t.json, (c) => c.notNull()),
    );
    await db.schema
      .createIndex("volunteer_role_person_uq")
      .on("volunteer_role")
      .columns(["organization_id", "person_id"])
      .unique()
      .execute();
  },
};
