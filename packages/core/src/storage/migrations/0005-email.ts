import type { Kysely } from "kysely";
import type { Migration } from "./types.js";

/**
 * Email through the outbox: a row carries its recipient's substitution values (`payload`, JSON), while
 * the campaign's content is stored once on the campaign.
 */
export const email: Migration = {
  name: "0005_email",
  async up(db: Kysely<unknown>) {
    await db.schema.alterTable("outbox").addColumn("payload", "text").execute();
  },
};
