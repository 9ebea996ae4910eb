import type { Kysely } from "kysely";
import { ConfigError, NotFoundError } from "../../spec/errors.js";
import type { Organization, OrganizationInput } from "../../spec/model/organization.js";
import { OrganizationInput as OrganizationInputSchema } from "../../spec/model/organization.js";
import { newId, now, parseInput } from "../codec.js";
import type { Database, OrganizationTable } from "../schema.js";

/** @internal Finds and creates organizations (tenants). Not bound to one: used by `createPrecinct()`. */
export class OrganizationStore {
  readonly #db: Kysely<Database>;

  constructor(db: Kysely<Database>) {
    this.#db = db;
  }

  async create(input: OrganizationInput): Promise<Organization> {
    const data = parseInput(OrganizationInputSchema, input);
    if (data.parentId && !(await this.get(data.parentId)))
      throw new NotFoundError("Organization", data.parentId);
    if (await this.get(data.slug))
      throw new ConfigError(`An organization with slug "${data.slug}" already exists.`);
    const stamp = now();
    const row: OrganizationTable = {
      id: newId(),
      name: data.name,
      slug: data.slug,
      parentId: data.parentId ?? null,
      timeZone: data.timeZone ?? "America/New_York",
      postalAddress: data.postalAddress ?? null,
      helpText: data.helpText ?? null,
      createdAt: stamp,
      updatedAt: stamp,
    };
    await this.#db.insertInto("organization").values(row).execute();
    return row;
  }

  /** By id or slug. */
  async get(idOrSlug: string): Promise<Organization | null> {
    const row = await this.#db
      .selectFrom("organization")
      .selectAll()
      .where((eb) => eb.or([eb("id", "=", idOrSlug), eb("slug", "=", idOrSlug)]))
      .executeTakeFirst();
    return row ?? null;
  }

  async children(parentId: string): Promise<Organization[]> {
    return this.#db
      .selectFrom("organization")
      .selectAll()
      .where("parentId", "=", parentId)
      .orderBy("name")
      .execute();
  }

  async update(
    id: string,
    patch: Partial<Pick<Organization, "name" | "timeZone" | "postalAddress" | "helpText">>,
  ): Promise<Organization> {
    const data = parseInput(
      OrganizationInputSchema.pick({
        name: true,
        timeZone: true,
        postalAddress: true,
        helpText: true,
      }).partial(),
      patch,
    );
    await this.#db
      .updateTable("organization")
      .set({ ...data, updatedAt: now() })
      .where("id", "=", id)
      .execute();
    const updated = await this.get(id);
    if (!updated) throw new NotFoundError("Organization", id);
    return updated;
  }
}
