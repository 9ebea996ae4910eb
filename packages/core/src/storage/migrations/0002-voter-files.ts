import type { Kysely } from "kysely";
import type { DialectName } from "../schema.js";
import { columnTypes, type Migration } from "./types.js";

// Frozen once released, like every migration.

/**
 * Voter-file imports: match keys and change tracking on `voter`, the import log and per-voter change history,
 * the person↔voter match queue, a cache of known phone line types, and turnout propensity.
 */
export const voterFiles: Migration = {
  name: "0002_voter_files",
  async up(db: Kysely<unknown>, dialect: DialectName) {
    const t = columnTypes(dialect);
    const real = dialect === "postgres" ? "double precision" : "real";

    // Keys the importer computes once so matching and segments can use indexes; the row hash lets a weekly
    // refresh tell unchanged rows from changed ones without comparing every column.
    for (const [column, type] of [
      ["given_key", "text"],
      ["family_key", "text"],
      ["zip5", "text"],
      ["street_key", "text"],
      ["row_hash", "text"],
      ["last_import_id", "text"],
      ["turnout_propensity", real],
    ] as const) {
      await db.schema.alterTable("voter").addColumn(column, type).execute();
    }
    // The unique (organization, state, state voter id) index already starts with the organization.
    await db.schema.dropIndex("voter_org_idx").execute();
    await db.schema
      .createIndex("voter_name_idx")
      .on("voter")
      .columns(["organization_id", "family_key", "given_key", "birth_year"])
      .execute();
    await db.schema
      .createIndex("voter_zip_idx")
      .on("voter")
      .columns(["organization_id", "zip5", "family_key", "given_key"])
      .execute();
    // County, then precinct: precinct codes repeat from county to county (NC's "01-05" exists in many).
    await db.schema
      .createIndex("voter_county_idx")
      .on("voter")
      .columns(["organization_id", "county", "precinct"])
      .execute();

    await db.schema
      .createTable("voter_import")
      .addColumn("id", "text", (c) => c.primaryKey())
      .addColumn("organization_id", "text", (c) => c.notNull().references("organization.id"))
      .addColumn("state", "text")
      .addColumn("layout", "text", (c) => c.notNull())
      .addColumn("kind", "text", (c) => c.notNull())
      .addColumn("source", "text")
      .addColumn("status", "text", (c) => c.notNull())
      .addColumn("remove_missing", "text")
      .addColumn("read", "integer", (c) => c.notNull())
      .addColumn("inserted", "integer", (c) => c.notNull())
      .addColumn("updated", "integer", (c) => c.notNull())
      .addColumn("unchanged", "integer", (c) => c.notNull())
      .addColumn("rejected", "integer", (c) => c.notNull())
      .addColumn("removed", "integer", (c) => c.notNull())
      .addColumn("errors", t.json, (c) => c.notNull())
      .addColumn("message", "text")
      .addColumn("started_at", t.timestamp, (c) => c.notNull())
      .addColumn("finished_at", t.timestamp)
      .execute();
    await db.schema
      .createIndex("voter_import_org_idx")
      .on("voter_import")
      .columns(["organization_id", "started_at"])
      .execute();

    // What a refresh changed, per voter: `changes` is `{ field: [before, after] }`.
    await db.schema
      .createTable("voter_change")
      .addColumn("id", "text", (c) => c.primaryKey())
      .addColumn("organization_id", "text", (c) => c.notNull().references("organization.id"))
      .addColumn("voter_id", "text", (c) => c.notNull().references("voter.id").onDelete("cascade"))
      .addColumn("import_id", "text")
      .addColumn("kind", "text", (c) => c.notNull())
      .addColumn("changes", t.json, (c) => c.notNull())
      .addColumn("changed_at", t.timestamp, (c) => c.notNull())
      .execute();
    await db.schema.createIndex("voter_change_voter_idx").on("voter_change").column("voter_id").execute();
    await db.schema.createIndex("voter_change_import_idx").on("voter_change").column("import_id").execute();

    // Person↔voter candidates: `linked` (auto or confirmed), `review` (a human decides) or `rejected`.
    await db.schema
      .createTable("voter_match")
      .addColumn("organization_id", "text", (c) => c.notNull().references("organization.id"))
      .addColumn("person_id", "text", (c) => c.notNull().references("person.id").onDelete("cascade"))
      .addColumn("voter_id", "text", (c) => c.notNull().references("voter.id").onDelete("cascade"))
      .addColumn("score", real, (c) => c.notNull())
      .addColumn("rule", "text", (c) => c.notNull())
      .addColumn("status", "text", (c) => c.notNull())
      .addColumn("reasons", t.json, (c) => c.notNull())
      .addColumn("created_at", t.timestamp, (c) => c.notNull())
      .addColumn("decided_at", t.timestamp)
      .addPrimaryKeyConstraint("voter_match_pk", ["person_id", "voter_id"])
      .execute();
    await db.schema
      .createIndex("voter_match_status_idx")
      .on("voter_match")
      .columns(["organization_id", "status"])
      .execute();
    await db.schema.createIndex("voter_match_voter_idx").on("voter_match").column("voter_id").execute();

    // Line types learned from a carrier lookup (or a vendor file), keyed by E.164 number.
    await db.schema
      .createTable("phone_line_type")
      .addColumn("organization_id", "text", (c) => c.notNull().references("organization.id"))
      .addColumn("number", "text", (c) => c.notNull())
      .addColumn("line_type", "text", (c) => c.notNull())
      .addColumn("source", "text", (c) => c.notNull())
      .addColumn("checked_at", t.timestamp, (c) => c.notNull())
      .addPrimaryKeyConstraint("phone_line_type_pk", ["organization_id", "number"])
      .execute();

    // Segments and history scans look up a voter's ballots by voter and election type/date.
    await db.schema
      .createIndex("election_type_idx")
      .on("election")
      .columns(["organization_id", "type", "date"])
      .execute();
    await db.schema
      .createIndex("voter_phone_idx")
      .on("voter")
      .columns(["organization_id", "phone"])
      .execute();
  },
};
