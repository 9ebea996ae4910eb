/**
 * Benchmark setup shared by the outreach benchmarks: an audience of people on one list, each with one
 * contact point (a mobile phone or an email address) and an opt-in on its channel. The first person goes
 * through the public API (`people.upsert`, `lists.addMembers`, `consent.record`); the rest are copies of
 * the rows those wrote, with new ids, names and contact points, inserted in large transactions. Setup is
 * not what is measured.
 */
import { randomUUID } from "node:crypto";
import { InvalidInputError, nameMatchKey, type Precinct } from "@precinct/core";

/** One member of a benchmark audience. */
export interface BenchRecipient {
  readonly givenName: string;
  readonly familyName: string;
  /** An E.164 number (`sms`) or an email address (`email`). */
  readonly contact: string;
}

/** Rows per insert statement (SQLite allows 32,766 bound values per statement). */
const SETUP_CHUNK = 1000;

/** Seeds the audience and returns its list's id. */
export async function seedAudience(
  precinct: Precinct,
  channel: "sms" | "email",
  listName: string,
  people: readonly BenchRecipient[],
): Promise<string> {
  const db = precinct.storage.db;
  const list = await precinct.lists.create({ name: listName });
  const [first, ...rest] = people;
  if (!first)
    throw new InvalidInputError({ field: "audience", value: 0, reason: "must hold at least 1 person" });
  const { person } = await precinct.people.upsert({
    givenName: first.givenName,
    familyName: first.familyName,
    ...(channel === "sms"
      ? { phoneNumbers: [{ number: first.contact, primary: true, lineType: "mobile" }] }
      : { emailAddresses: [{ address: first.contact, primary: true, status: "active" }] }),
  } as never);
  await precinct.lists.addMembers(list.id, [person.id]);
  await precinct.consent.record({
    channel,
    contactPoint: first.contact,
    personId: person.id,
    kind: "opt_in",
    source: "form",
  });
  const personRow = await db
    .selectFrom("person")
    .selectAll()
    .where("id", "=", person.id)
    .executeTakeFirstOrThrow();
  const contactTable = channel === "sms" ? "personPhone" : "personEmail";
  const contactRow = await db
    .selectFrom(contactTable)
    .selectAll()
    .where("personId", "=", person.id)
    .executeTakeFirstOrThrow();
  const memberRow = await db
    .selectFrom("listMember")
    .selectAll()
    .where("personId", "=", person.id)
    .executeTakeFirstOrThrow();
  const { sequence: _sequence, ...consentRow } = await db
    .selectFrom("consentEvent")
    .selectAll()
    .where("personId", "=", person.id)
    .executeTakeFirstOrThrow();
  // A JSON column reads back as a string on SQLite but is written as one everywhere.
  const customFields =
    typeof personRow.customFields === "string"
      ? personRow.customFields
      : JSON.stringify(personRow.customFields);
  for (let start = 0; start < rest.length; start += SETUP_CHUNK) {
    const chunk = rest
      .slice(start, start + SETUP_CHUNK)
      .map((recipient) => ({ recipient, id: randomUUID() }));
    await db.transaction().execute(async (trx) => {
      await trx
        .insertInto("person")
        .values(
          chunk.map(({ recipient, id }) => ({
            ...personRow,
            customFields,
            id,
            givenName: recipient.givenName,
            familyName: recipient.familyName,
            givenKey: nameMatchKey(recipient.givenName) || null,
            familyKey: nameMatchKey(recipient.familyName) || null,
          })),
        )
        .execute();
      await trx
        .insertInto(contactTable)
        .values(
          chunk.map(({ recipient, id }) => ({
            ...contactRow,
            id: randomUUID(),
            personId: id,
            ...(channel === "sms" ? { number: recipient.contact } : { address: recipient.contact }),
          })) as never,
        )
        .execute();
      await trx
        .insertInto("listMember")
        .values(chunk.map(({ id }) => ({ ...memberRow, personId: id })))
        .execute();
      await trx
        .insertInto("consentEvent")
        .values(
          chunk.map(({ recipient, id }) => ({
            ...consentRow,
            id: randomUUID(),
            personId: id,
            contactPoint: recipient.contact,
          })),
        )
        .execute();
    });
  }
  return list.id;
}
