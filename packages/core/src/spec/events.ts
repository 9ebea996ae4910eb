import type { ConsentEvent } from "./model/consent.js";
import type { Organization } from "./model/organization.js";
import type { Person } from "./model/person.js";

/**
 * Every event the SDK emits, by name, with its payload. Engines add events here as they ship; a listener's
 * payload type follows from the name.
 */
export interface PrecinctEventMap {
  /** A person was created by `people.upsert()`. */
  "person.created": { person: Person };
  /** A matched person was changed by `people.upsert()`. */
  "person.updated": { person: Person; changes: { field: string; before: unknown; after: unknown }[] };
  /** An opt-in was appended to the consent ledger. */
  "consent.granted": { event: ConsentEvent };
  /** An opt-out was appended to the consent ledger. */
  "consent.revoked": { event: ConsentEvent };
  /** A chapter organization was created. */
  "organization.created": { organization: Organization };
}

/** The name of an event. */
export type PrecinctEventName = keyof PrecinctEventMap;
