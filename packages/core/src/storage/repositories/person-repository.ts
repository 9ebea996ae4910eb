import type { Kysely, Transaction } from "kysely";
import { areNicknameEquivalent, normalizeEmail, normalizePhone } from "../../normalize/index.js";
import { NotFoundError } from "../../spec/errors.js";
import type {
  EmailAddress,
  Person,
  PersonInput,
  PhoneNumber,
  PostalAddress,
} from "../../spec/model/person.js";
import { fromBool, fromJson, newId, now, toBool, toJson } from "../codec.js";
import type { Database, DialectName } from "../schema.js";
import {
  addressKey,
  keyOf,
  type NormalizedPersonInput,
  normalizeIdentifier,
  normalizePersonInput,
  type PersonNormalizeOptions,
  streetKeyOf,
  zip5Of,
} from "./person-normalize.js";

/**
 * The explicit match rules of `people.upsert()`, tried in this order:
 *
 * 1. `identifier` — an identical `"system:id"`; identifiers win over everything else.
 * 2. `email` — an identical email address, unless the given names clearly differ (a shared family address).
 * 3. `name_phone` — identical given and family name (accents, case and punctuation ignored) and phone.
 * 4. `name_zip_birthdate` — identical given and family name, ZIP5 and birth date.
 * 5. `name_street_zip` — identical given and family name, street line and ZIP5.
 *
 * Rules 2–5 never match a stored person whose identifier in the same system, suffix (Jr./Sr.), birth year or
 * middle initial contradicts the input, so two household members who share a phone or an address stay two
 * people. Nicknames are not names: "Bill" and "William" do not match by rule 3–5.
 */
export type MatchRule = "identifier" | "email" | "name_phone" | "name_zip_birthdate" | "name_street_zip";

/** One changed field of a matched person. */
export interface FieldChange {
  /** The field, e.g. `givenName`, `phoneNumbers`. */
  field: string;
  /** The stored value before. */
  before: unknown;
  /** The value after. */
  after: unknown;
}

/** What `people.upsert()` did. */
export interface UpsertResult {
  /** `created`: a new person; `matched`: an existing person, nothing new; `updated`: an existing person, changed. */
  status: "created" | "matched" | "updated";
  /** The person as stored now. */
  person: Person;
  /** The rule that matched, for `matched` and `updated`. */
  matchedBy: MatchRule | null;
  /** What changed (empty for `created` and `matched`). */
  changes: FieldChange[];
  /** Non-fatal notes, e.g. a rule that matched several people and was therefore skipped. */
  warnings: string[];
}

/** Options of `people.list()`. */
export interface PeopleListOptions {
  /** Page size; default 100, at most 10,000. */
  limit?: number;
  /** Rows to skip. */
  offset?: number;
}

type Db = Kysely<Database> | Transaction<Database>;

const NAME_FIELDS: ReadonlySet<string> = new Set(["givenName", "familyName", "additionalName"]);

const SCALARS = [
  "givenName",
  "familyName",
  "additionalName",
  "honorificPrefix",
  "honorificSuffix",
  "birthdate",
  "birthYear",
  "gender",
  "languageSpoken",
  "householdId",
] as const;

/** People of one organization: upsert with explicit match rules, lookups, tags. */
export class PersonRepository {
  readonly #db: Kysely<Database>;
  readonly #dialect: DialectName;
  readonly #organizationId: string;
  readonly #options: PersonNormalizeOptions;
  readonly #onChange: (result: UpsertResult) => void;

  /** @internal Created by `createPrecinct()`. */
  constructor(
    db: Kysely<Database>,
    dialect: DialectName,
    organizationId: string,
    options: PersonNormalizeOptions,
    onChange: (result: UpsertResult) => void,
  ) {
    this.#db = db;
    this.#dialect = dialect;
    this.#organizationId = organizationId;
    this.#options = options;
    this.#onChange = onChange;
  }

  /**
   * Creates the person or merges the input into the one person it matches (see {@link MatchRule}).
   * Values are normalized first; an empty incoming value never overwrites a stored one; contact points,
   * identifiers and tags are added, never removed.
   *
   * @throws InvalidInputError naming the field and value when the input cannot be normalized.
   */
  async upsert(input: PersonInput): Promise<UpsertResult> {
    const incoming = normalizePersonInput(input, this.#options);
    const result = await this.#db.transaction().execute(async (trx) => {
      if (incoming.householdId) await this.#requireOwned(trx, "household", incoming.householdId);
      const warnings: string[] = [];
      const match = await this.#match(trx, incoming, warnings);
      if (!match) {
        const id = newId();
        await this.#write(trx, id, incoming, true);
        const person = (await this.#load(trx, [id]))[0]!;
        return { status: "created", person, matchedBy: null, changes: [], warnings } satisfies UpsertResult;
      }
      const { merged, changes } = mergePerson(match.person, incoming);
      if (changes.length === 0) {
        return {
          status: "matched",
          person: match.person,
          matchedBy: match.rule,
          changes,
          warnings,
        } satisfies UpsertResult;
      }
      for (const identifier of incoming.identifiers) {
        const owner = await this.#identifierOwner(trx, identifier);
        if (owner && owner !== match.person.id) {
          warnings.push(
            `identifier ${identifier} already belongs to person ${owner}; not added to ${match.person.id}`,
          );
          merged.identifiers = merged.identifiers.filter((value) => value !== identifier);
        }
      }
      await this.#write(trx, match.person.id, merged, false);
      const person = (await this.#load(trx, [match.person.id]))[0]!;
      return { status: "updated", person, matchedBy: match.rule, changes, warnings } satisfies UpsertResult;
    });
    if (result.status !== "matched") this.#onChange(result);
    return result;
  }

  /** The person with this id, or `null` when there is none in this organization. */
  async get(id: string): Promise<Person | null> {
    return (await this.#load(this.#db, [id]))[0] ?? null;
  }

  /** The person with this id; throws `NotFoundError` otherwise. */
  async require(id: string): Promise<Person> {
    const person = await this.get(id);
    if (!person) throw new NotFoundError("Person", id);
    return person;
  }

  /** People in creation order. */
  async list(options: PeopleListOptions = {}): Promise<Person[]> {
    const rows = await this.#db
      .selectFrom("person")
      .select("id")
      .where("organizationId", "=", this.#organizationId)
      .orderBy("createdAt")
      .orderBy("id")
      .limit(Math.min(options.limit ?? 100, 10_000))
      .offset(options.offset ?? 0)
      .execute();
    return this.#load(
      this.#db,
      rows.map((row) => row.id),
    );
  }

  /** Number of people in the organization. */
  async count(): Promise<number> {
    const row = await this.#db
      .selectFrom("person")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .where("organizationId", "=", this.#organizationId)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /** People with this email address (normalized before lookup). Several people may share one. */
  async findByEmail(email: string): Promise<Person[]> {
    const normalized = normalizeEmail(email, { field: "email" });
    const rows = await this.#db
      .selectFrom("personEmail")
      .select("personId")
      .distinct()
      .where("organizationId", "=", this.#organizationId)
      .where("address", "=", normalized)
      .execute();
    return this.#load(
      this.#db,
      rows.map((row) => row.personId),
    );
  }

  /** People with this phone number (normalized before lookup). Household members may share one. */
  async findByPhone(phone: string): Promise<Person[]> {
    const normalized = normalizePhone(phone, {
      field: "phone",
      ...(this.#options.defaultCountry ? { defaultCountry: this.#options.defaultCountry as never } : {}),
    });
    const rows = await this.#db
      .selectFrom("personPhone")
      .select("personId")
      .distinct()
      .where("organizationId", "=", this.#organizationId)
      .where("number", "=", normalized)
      .execute();
    return this.#load(
      this.#db,
      rows.map((row) => row.personId),
    );
  }

  /** The person with this `"system:id"` identifier, or `null`. */
  async findByIdentifier(identifier: string): Promise<Person | null> {
    const normalized = normalizeIdentifier(identifier);
    const owner = await this.#identifierOwner(this.#db, normalized);
    return owner ? this.get(owner) : null;
  }

  /** Adds tags (created in the organization when new). */
  async addTags(personId: string, tags: readonly string[]): Promise<Person> {
    await this.#db.transaction().execute(async (trx) => {
      await this.#requireOwned(trx, "person", personId);
      await this.#linkTags(trx, personId, tags.map((tag) => tag.trim()).filter(Boolean));
    });
    return this.require(personId);
  }

  /** Removes tags from the person (the tags themselves stay). */
  async removeTags(personId: string, tags: readonly string[]): Promise<Person> {
    await this.#requireOwned(this.#db, "person", personId);
    if (tags.length > 0) {
      const ids = await this.#db
        .selectFrom("tag")
        .select("id")
        .where("organizationId", "=", this.#organizationId)
        .where("name", "in", [...tags])
        .execute();
      if (ids.length > 0) {
        await this.#db
          .deleteFrom("personTag")
          .where("personId", "=", personId)
          .where(
            "tagId",
            "in",
            ids.map((row) => row.id),
          )
          .execute();
      }
    }
    return this.require(personId);
  }

  /**
   * Deletes a person and their contact points, identifiers and tags. Their consent history stays: the ledger
   * is keyed by contact point, so an opt-out outlives the person record.
   */
  async delete(id: string): Promise<boolean> {
    const result = await this.#db
      .deleteFrom("person")
      .where("id", "=", id)
      .where("organizationId", "=", this.#organizationId)
      .executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  async #match(
    trx: Db,
    incoming: NormalizedPersonInput,
    warnings: string[],
  ): Promise<{ person: Person; rule: MatchRule } | null> {
    const org = this.#organizationId;
    const given = keyOf(incoming.givenName);
    const family = keyOf(incoming.familyName);

    const rules: [MatchRule, () => Promise<string[]>][] = [
      [
        "identifier",
        async () => {
          if (incoming.identifiers.length === 0) return [];
          const rows = await trx
            .selectFrom("personIdentifier")
            .select("personId")
            .where("organizationId", "=", org)
            .where((eb) =>
              eb.or(
                incoming.identifiers.map((identifier) => {
                  const [system, value] = splitIdentifier(identifier);
                  return eb.and([eb("system", "=", system), eb("value", "=", value)]);
                }),
              ),
            )
            .execute();
          return rows.map((row) => row.personId);
        },
      ],
      [
        "email",
        async () => {
          if (incoming.emailAddresses.length === 0) return [];
          const rows = await trx
            .selectFrom("personEmail")
            .select("personId")
            .where("organizationId", "=", org)
            .where(
              "address",
              "in",
              incoming.emailAddresses.map((email) => email.address),
            )
            .execute();
          return rows.map((row) => row.personId);
        },
      ],
      [
        "name_phone",
        async () => {
          if (!given || !family || incoming.phoneNumbers.length === 0) return [];
          const rows = await trx
            .selectFrom("personPhone")
            .innerJoin("person", "person.id", "personPhone.personId")
            .select("person.id")
            .where("personPhone.organizationId", "=", org)
            .where(
              "personPhone.number",
              "in",
              incoming.phoneNumbers.map((phone) => phone.number),
            )
            .where("person.givenKey", "=", given)
            .where("person.familyKey", "=", family)
            .execute();
          return rows.map((row) => row.id);
        },
      ],
      [
        "name_zip_birthdate",
        async () => {
          const zips = incoming.postalAddresses.map(zip5Of).filter((zip): zip is string => zip !== null);
          if (!given || !family || !incoming.birthdate || zips.length === 0) return [];
          const rows = await trx
            .selectFrom("personAddress")
            .innerJoin("person", "person.id", "personAddress.personId")
            .select("person.id")
            .where("personAddress.organizationId", "=", org)
            .where("personAddress.zip5", "in", zips)
            .where("person.givenKey", "=", given)
            .where("person.familyKey", "=", family)
            .where("person.birthdate", "=", incoming.birthdate)
            .execute();
          return rows.map((row) => row.id);
        },
      ],
      [
        "name_street_zip",
        async () => {
          const pairs = incoming.postalAddresses
            .map((address) => [streetKeyOf(address), zip5Of(address)] as const)
            .filter((pair): pair is readonly [string, string] => pair[0] !== null && pair[1] !== null);
          if (!given || !family || pairs.length === 0) return [];
          const rows = await trx
            .selectFrom("personAddress")
            .innerJoin("person", "person.id", "personAddress.personId")
            .select("person.id")
            .where("personAddress.organizationId", "=", org)
            .where((eb) =>
              eb.or(
                pairs.map(([street, zip]) =>
                  eb.and([eb("personAddress.streetKey", "=", street), eb("personAddress.zip5", "=", zip)]),
                ),
              ),
            )
            .where("person.givenKey", "=", given)
            .where("person.familyKey", "=", family)
            .execute();
          return rows.map((row) => row.id);
        },
      ],
    ];

    for (const [rule, find] of rules) {
      const ids = [...new Set(await find())];
      if (ids.length === 0) continue;
      const candidates = (await this.#load(trx, ids)).filter((person) => compatible(person, incoming, rule));
      if (candidates.length === 1) return { person: candidates[0]!, rule };
      if (candidates.length > 1) {
        warnings.push(
          `rule ${rule} matched ${candidates.length} people (${candidates.map((p) => p.id).join(", ")}); skipped as ambiguous`,
        );
      }
    }
    return null;
  }

  async #identifierOwner(db: Db, identifier: string): Promise<string | null> {
    const [system, value] = splitIdentifier(identifier);
    const row = await db
      .selectFrom("personIdentifier")
      .select("personId")
      .where("organizationId", "=", this.#organizationId)
      .where("system", "=", system)
      .where("value", "=", value)
      .executeTakeFirst();
    return row?.personId ?? null;
  }

  async #requireOwned(db: Db, table: "person" | "household", id: string): Promise<void> {
    const row = await (db as Kysely<Database>)
      .selectFrom(table as "person")
      .select("id")
      .where("id", "=", id)
      .where("organizationId", "=", this.#organizationId)
      .executeTakeFirst();
    if (!row) throw new NotFoundError(table === "person" ? "Person" : "Household", id);
  }

  async #write(
    trx: Transaction<Database>,
    id: string,
    person: NormalizedPersonInput,
    isNew: boolean,
  ): Promise<void> {
    const org = this.#organizationId;
    const stamp = now();
    const row = {
      givenName: person.givenName ?? null,
      familyName: person.familyName ?? null,
      additionalName: person.additionalName ?? null,
      honorificPrefix: person.honorificPrefix ?? null,
      honorificSuffix: person.honorificSuffix ?? null,
      birthdate: person.birthdate ?? null,
      birthYear: person.birthYear ?? null,
      gender: person.gender ?? null,
      languageSpoken: person.languageSpoken ?? null,
      householdId: person.householdId ?? null,
      customFields: toJson(person.customFields),
      givenKey: keyOf(person.givenName),
      familyKey: keyOf(person.familyName),
      updatedAt: stamp,
    };
    if (isNew) {
      await trx
        .insertInto("person")
        .values({ ...row, id, organizationId: org, createdAt: stamp })
        .execute();
    } else {
      await trx
        .updateTable("person")
        .set(row)
        .where("id", "=", id)
        .where("organizationId", "=", org)
        .execute();
      await trx.deleteFrom("personEmail").where("personId", "=", id).execute();
      await trx.deleteFrom("personPhone").where("personId", "=", id).execute();
      await trx.deleteFrom("personAddress").where("personId", "=", id).execute();
    }
    const b = (value: boolean) => toBool(this.#dialect, value);
    const emails = withPrimary(person.emailAddresses);
    if (emails.length > 0) {
      await trx
        .insertInto("personEmail")
        .values(
          emails.map((email, position) => ({
            id: newId(),
            organizationId: org,
            personId: id,
            address: email.address,
            primary: b(email.primary),
            addressType: email.addressType,
            status: email.status,
            position,
          })),
        )
        .execute();
    }
    const phones = withPrimary(person.phoneNumbers);
    if (phones.length > 0) {
      await trx
        .insertInto("personPhone")
        .values(
          phones.map((phone, position) => ({
            id: newId(),
            organizationId: org,
            personId: id,
            number: phone.number,
            primary: b(phone.primary),
            numberType: phone.numberType,
            lineType: phone.lineType,
            status: phone.status,
            position,
          })),
        )
        .execute();
    }
    const addresses = withPrimary(person.postalAddresses);
    if (addresses.length > 0) {
      await trx
        .insertInto("personAddress")
        .values(
          addresses.map((address, position) => ({
            id: newId(),
            organizationId: org,
            personId: id,
            addressLines: toJson(address.addressLines),
            locality: address.locality,
            region: address.region,
            postalCode: address.postalCode,
            country: address.country,
            primary: b(address.primary),
            addressType: address.addressType,
            status: address.status,
            position,
            zip5: zip5Of(address),
            streetKey: streetKeyOf(address),
          })),
        )
        .execute();
    }
    if (person.identifiers.length > 0) {
      await trx
        .insertInto("personIdentifier")
        .values(
          person.identifiers.map((identifier) => {
            const [system, value] = splitIdentifier(identifier);
            return { organizationId: org, personId: id, system, value };
          }),
        )
        .onConflict((oc) => oc.doNothing())
        .execute();
    }
    await this.#linkTags(trx, id, person.tags);
  }

  async #linkTags(trx: Transaction<Database>, personId: string, tags: readonly string[]): Promise<void> {
    if (tags.length === 0) return;
    const org = this.#organizationId;
    const stamp = now();
    await trx
      .insertInto("tag")
      .values(
        tags.map((name) => ({
          id: newId(),
          organizationId: org,
          name,
          description: null,
          createdAt: stamp,
          updatedAt: stamp,
        })),
      )
      .onConflict((oc) => oc.columns(["organizationId", "name"]).doNothing())
      .execute();
    const ids = await trx
      .selectFrom("tag")
      .select("id")
      .where("organizationId", "=", org)
      .where("name", "in", [...tags])
      .execute();
    await trx
      .insertInto("personTag")
      .values(ids.map((row) => ({ organizationId: org, personId, tagId: row.id })))
      .onConflict((oc) => oc.columns(["personId", "tagId"]).doNothing())
      .execute();
  }

  async #load(db: Db, ids: readonly string[]): Promise<Person[]> {
    if (ids.length === 0) return [];
    const org = this.#organizationId;
    const people = await db
      .selectFrom("person")
      .selectAll()
      .where("organizationId", "=", org)
      .where("id", "in", [...ids])
      .execute();
    if (people.length === 0) return [];
    const found = people.map((row) => row.id);
    const [emails, phones, addresses, identifiers, tags] = await Promise.all([
      db.selectFrom("personEmail").selectAll().where("personId", "in", found).orderBy("position").execute(),
      db.selectFrom("personPhone").selectAll().where("personId", "in", found).orderBy("position").execute(),
      db.selectFrom("personAddress").selectAll().where("personId", "in", found).orderBy("position").execute(),
      db
        .selectFrom("personIdentifier")
        .select(["personId", "system", "value"])
        .where("personId", "in", found)
        .orderBy("system")
        .orderBy("value")
        .execute(),
      db
        .selectFrom("personTag")
        .innerJoin("tag", "tag.id", "personTag.tagId")
        .select(["personTag.personId", "tag.name"])
        .where("personTag.personId", "in", found)
        .orderBy("tag.name")
        .execute(),
    ]);
    const byPerson = <T extends { personId: string }>(rows: T[]) => {
      const map = new Map<string, T[]>();
      for (const row of rows) map.set(row.personId, [...(map.get(row.personId) ?? []), row]);
      return map;
    };
    const e = byPerson(emails);
    const p = byPerson(phones);
    const a = byPerson(addresses);
    const i = byPerson(identifiers);
    const t = byPerson(tags);
    const order = new Map(ids.map((id, index) => [id, index]));
    return people
      .map(
        (row): Person => ({
          id: row.id,
          organizationId: row.organizationId,
          createdAt: row.createdAt,
          updatedAt: row.updatedAt,
          givenName: row.givenName,
          familyName: row.familyName,
          additionalName: row.additionalName,
          honorificPrefix: row.honorificPrefix,
          honorificSuffix: row.honorificSuffix,
          birthdate: row.birthdate,
          birthYear: row.birthYear === null ? null : Number(row.birthYear),
          gender: row.gender,
          languageSpoken: row.languageSpoken,
          householdId: row.householdId,
          customFields: fromJson(row.customFields, {}),
          emailAddresses: (e.get(row.id) ?? []).map((email) => ({
            address: email.address,
            primary: fromBool(email.primary),
            addressType: email.addressType as EmailAddress["addressType"],
            status: email.status as EmailAddress["status"],
          })),
          phoneNumbers: (p.get(row.id) ?? []).map((phone) => ({
            number: phone.number,
            primary: fromBool(phone.primary),
            numberType: phone.numberType as PhoneNumber["numberType"],
            lineType: phone.lineType as PhoneNumber["lineType"],
            status: phone.status as PhoneNumber["status"],
          })),
          postalAddresses: (a.get(row.id) ?? []).map((address) => ({
            addressLines: fromJson<string[]>(address.addressLines, []),
            locality: address.locality,
            region: address.region,
            postalCode: address.postalCode,
            country: address.country,
            primary: fromBool(address.primary),
            addressType: address.addressType as PostalAddress["addressType"],
            status: address.status as PostalAddress["status"],
          })),
          identifiers: (i.get(row.id) ?? []).map((identifier) => `${identifier.system}:${identifier.value}`),
          tags: (t.get(row.id) ?? []).map((tag) => tag.name),
        }),
      )
      .sort((x, y) => (order.get(x.id) ?? 0) - (order.get(y.id) ?? 0));
  }
}

function splitIdentifier(identifier: string): [string, string] {
  const index = identifier.indexOf(":");
  return [identifier.slice(0, index), identifier.slice(index + 1)];
}

/** Makes exactly one entry primary: the first one marked so, else the first. */
function withPrimary<T extends { primary: boolean }>(items: readonly T[]): T[] {
  const index = Math.max(
    0,
    items.findIndex((item) => item.primary),
  );
  return items.map((item, position) => ({ ...item, primary: position === index }));
}

/** Whether a stored person may be the same as the input, beyond the rule's own fields. */
function compatible(person: Person, incoming: NormalizedPersonInput, rule: MatchRule): boolean {
  if (rule === "identifier") return true;
  // Two different ids in the same system are two different records by that system's word.
  const systems = new Map<string, Set<string>>();
  for (const identifier of person.identifiers) {
    const [system, value] = splitIdentifier(identifier);
    systems.set(system, (systems.get(system) ?? new Set()).add(value));
  }
  for (const identifier of incoming.identifiers) {
    const [system, value] = splitIdentifier(identifier);
    const stored = systems.get(system);
    if (stored && !stored.has(value)) return false;
  }
  if (
    person.honorificSuffix &&
    incoming.honorificSuffix &&
    person.honorificSuffix !== incoming.honorificSuffix
  ) {
    return false;
  }
  const storedYear = person.birthYear ?? (person.birthdate ? Number(person.birthdate.slice(0, 4)) : null);
  if (storedYear !== null && incoming.birthYear !== undefined && storedYear !== incoming.birthYear)
    return false;
  if (person.birthdate && incoming.birthdate && person.birthdate !== incoming.birthdate) return false;
  const storedMiddle = keyOf(person.additionalName);
  const incomingMiddle = keyOf(incoming.additionalName);
  if (storedMiddle && incomingMiddle && storedMiddle[0] !== incomingMiddle[0]) return false;
  if (rule === "email") {
    // A shared family address: "Maria Lopez" and "Jose Lopez" at lopezfamily@… are two people.
    const a = keyOf(person.givenName);
    const b = keyOf(incoming.givenName);
    if (a && b && a !== b && !areNicknameEquivalent(a, b)) {
      const sameInitial = (a.length === 1 || b.length === 1) && a[0] === b[0];
      if (!sameInitial) return false;
    }
  }
  return true;
}

/** Merges `incoming` into `person`: non-empty values win, lists are unioned, nothing is removed. */
function mergePerson(
  person: Person,
  incoming: NormalizedPersonInput,
): { merged: NormalizedPersonInput; changes: FieldChange[] } {
  const changes: FieldChange[] = [];
  const merged: NormalizedPersonInput = {
    emailAddresses: [],
    phoneNumbers: [],
    postalAddresses: [],
    identifiers: [],
    customFields: {},
    tags: [],
  };
  for (const key of SCALARS) {
    const before = person[key];
    let after = incoming[key];
    // "JOSE NUNEZ" from a voter file is the same name as the stored "José Núñez": keep the richer form.
    if (
      NAME_FIELDS.has(key) &&
      typeof before === "string" &&
      typeof after === "string" &&
      keyOf(before) === keyOf(after)
    ) {
      after = before;
    }
    const value = after ?? before ?? undefined;
    if (value !== undefined && value !== null) (merged as unknown as Record<string, unknown>)[key] = value;
    if (after !== undefined && after !== before) changes.push({ field: key, before, after });
  }

  const mergeList = <T extends { primary: boolean; status?: string }>(
    field: string,
    stored: readonly T[],
    added: readonly T[],
    key: (item: T) => string,
    update: (old: T, next: T) => T,
  ): T[] => {
    const result = stored.map((item) => ({ ...item }));
    const index = new Map(result.map((item, position) => [key(item), position]));
    const newOnes: T[] = [];
    let changed = false;
    for (const item of added) {
      const at = index.get(key(item));
      if (at === undefined) {
        result.push({ ...item });
        newOnes.push(item);
        changed = true;
        continue;
      }
      const next = update(result[at]!, item);
      if (JSON.stringify(next) !== JSON.stringify(result[at])) changed = true;
      result[at] = next;
    }
    const primary = added.find((item) => item.primary);
    if (primary) {
      const target = index.get(key(primary)) ?? result.length - newOnes.length + newOnes.indexOf(primary);
      if (!result[target]?.primary) changed = true;
      result.forEach((item, position) => {
        item.primary = position === target;
      });
    }
    if (changed) changes.push({ field, before: stored, after: result });
    return result;
  };
  const known = <V extends string>(next: V, old: V) => (next === "unknown" ? old : next);

  merged.emailAddresses = mergeList<EmailAddress>(
    "emailAddresses",
    person.emailAddresses,
    incoming.emailAddresses,
    (email) => email.address,
    (old, next) => ({ ...old, status: known(next.status, old.status) }),
  );
  merged.phoneNumbers = mergeList<PhoneNumber>(
    "phoneNumbers",
    person.phoneNumbers,
    incoming.phoneNumbers,
    (phone) => phone.number,
    (old, next) => ({
      ...old,
      numberType: next.numberType === "other" ? old.numberType : next.numberType,
      lineType: known(next.lineType, old.lineType),
      status: known(next.status, old.status),
    }),
  );
  merged.postalAddresses = mergeList<PostalAddress>(
    "postalAddresses",
    person.postalAddresses,
    incoming.postalAddresses,
    addressKey,
    (old, next) => ({ ...old, status: known(next.status, old.status) }),
  );

  const identifiers = [...person.identifiers];
  for (const identifier of incoming.identifiers)
    if (!identifiers.includes(identifier)) identifiers.push(identifier);
  if (identifiers.length !== person.identifiers.length) {
    changes.push({ field: "identifiers", before: person.identifiers, after: identifiers });
  }
  merged.identifiers = identifiers;

  const customFields = { ...person.customFields };
  for (const [key, value] of Object.entries(incoming.customFields)) {
    if (customFields[key] !== value) {
      changes.push({ field: `customFields.${key}`, before: customFields[key] ?? null, after: value });
      customFields[key] = value;
    }
  }
  merged.customFields = customFields;

  const tags = [...person.tags];
  for (const tag of incoming.tags) if (!tags.includes(tag)) tags.push(tag);
  if (tags.length !== person.tags.length) changes.push({ field: "tags", before: person.tags, after: tags });
  merged.tags = tags;
  return { merged, changes };
}
