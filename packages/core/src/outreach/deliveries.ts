/**
 * Webhook deliveries already handled: providers retry, so every event key is recorded once, in the same
 * transaction as its effects.
 *
 * @internal
 * @module
 */
import type { Kysely } from "kysely";
import type { Database } from "../storage/schema.js";

/**
 * Records `keys` as handled for `provider` and returns those that were new. Call it inside the
 * transaction that applies the events, so a rollback forgets the keys with the effects.
 */
export async function firstDeliveries(
  db: Kysely<Database>,
  organizationId: string,
  provider: string,
  keys: readonly string[],
  at: string,
): Promise<Set<string>> {
  const fresh = new Set<string>();
  const unique = [...new Set(keys)];
  for (let start = 0; start < unique.length; start += 200) {
    const rows = await db
      .insertInto("webhookEvent")
      .values(
        unique
          .slice(start, start + 200)
          .map((eventKey) => ({ organizationId, provider, eventKey, receivedAt: at })),
      )
      .onConflict((oc) => oc.columns(["organizationId", "provider", "eventKey"]).doNothing())
      .returning("eventKey")
      .execute();
    for (const row of rows) fresh.add(row.eventKey);
  }
  return fresh;
}
