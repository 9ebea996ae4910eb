import type { Kysely } from "kysely";
import { NotFoundError } from "../../spec/errors.js";
import { List } from "../../spec/model/organizing.js";
import { now } from "../codec.js";
import type { Database, DialectName } from "../schema.js";
import { EntityRepository } from "./entity-repository.js";

/** Static lists of one organization and their members. */
export class ListRepository extends EntityRepository<typeof List> {
  readonly #db: Kysely<Database>;
  readonly #organizationId: string;

  /** @internal Created by `createPrecinct()`. */
  constructor(db: Kysely<Database>, dialect: DialectName, organizationId: string) {
    super(db, dialect, organizationId, { entity: "List", table: "list", schema: List, json: [] });
    this.#db = db;
    this.#organizationId = organizationId;
  }

  /** Adds people to the list (people already on it are left alone); returns how many were added. */
  async addMembers(listId: string, personIds: readonly string[]): Promise<number> {
    await this.require(listId);
    const unique = [...new Set(personIds)];
    if (unique.length === 0) return 0;
    const owned = await this.#db
      .selectFrom("person")
      .select("id")
      .where("organizationId", "=", this.#organizationId)
      .where("id", "in", unique)
      .execute();
    const ownedIds = new Set(owned.map((row) => row.id));
    const foreign = unique.find((id) => !ownedIds.has(id));
    if (foreign) throw new NotFoundError("Person", foreign);
    const stamp = now();
    const result = await this.#db
      .insertInto("listMember")
      .values(
        unique.map((personId) => ({
          organizationId: this.#organizationId,
          listId,
          personId,
          addedAt: stamp,
        })),
      )
      .onConflict((oc) => oc.columns(["listId", "personId"]).doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0);
  }

  /** Removes people from the list; returns how many were removed. */
  async removeMembers(listId: string, personIds: readonly string[]): Promise<number> {
    await this.require(listId);
    if (personIds.length === 0) return 0;
    const result = await this.#db
      .deleteFrom("listMember")
      .where("organizationId", "=", this.#organizationId)
      .where("listId", "=", listId)
      .where("personId", "in", [...personIds])
      .executeTakeFirst();
    return Number(result.numDeletedRows);
  }

  /** Ids of the list's members, in the order they were added. */
  async memberIds(listId: string): Promise<string[]> {
    await this.require(listId);
    const rows = await this.#db
      .selectFrom("listMember")
      .select("personId")
      .where("organizationId", "=", this.#organizationId)
      .where("listId", "=", listId)
      .orderBy("addedAt")
      .orderBy("personId")
      .execute();
    return rows.map((row) => row.personId);
  }
}
