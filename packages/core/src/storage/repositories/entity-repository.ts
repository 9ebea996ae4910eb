import type { Kysely } from "kysely";
import type { z } from "zod";
import { NotFoundError } from "../../spec/errors.js";
import { fromJson, newId, now, parseInput, toJson } from "../codec.js";
import type { Database, DialectName, EntityTable } from "../schema.js";

type BaseKeys = "id" | "organizationId" | "createdAt" | "updatedAt";

/** Describes a plain entity stored in one table. */
export interface EntitySpec<S extends z.ZodObject> {
  /** The entity's name in messages, e.g. "Petition". */
  readonly entity: string;
  /** The table, in camelCase (`surveyQuestion`). */
  readonly table: string;
  /** The entity's schema (it extends `EntityBase`). */
  readonly schema: S;
  /** Fields stored as JSON. */
  readonly json: readonly (keyof z.output<S> & string)[];
  /** Fields that reference another entity's table; checked to belong to the same organization. */
  readonly references?: Partial<Record<keyof z.output<S> & string, string>>;
}

/** What `create()` accepts for an entity: its fields without the ones Precinct sets. */
export type EntityInput<S extends z.ZodObject> = Omit<z.input<S>, BaseKeys>;
/** What `update()` accepts for an entity. */
export type EntityPatch<S extends z.ZodObject> = Partial<EntityInput<S>>;

/** Options of `list()`. */
export interface ListOptions<T> {
  /** Equality filters on scalar fields. */
  where?: Partial<{ [K in keyof T]: T[K] extends string | number | null ? T[K] : never }>;
  /** Page size; default 100, at most 10,000. */
  limit?: number;
  /** Rows to skip. */
  offset?: number;
}

type GenericDb = Kysely<Record<string, EntityTable>>;

/**
 * Create, read, update, delete and list for one plain entity, always inside the client's organization:
 * rows of another organization are invisible, and references to them are refused.
 */
export class EntityRepository<S extends z.ZodObject> {
  readonly #db: GenericDb;
  readonly #organizationId: string;
  readonly #spec: EntitySpec<S>;
  readonly #input: z.ZodType;

  /** @internal Created by `createPrecinct()`. */
  constructor(db: Kysely<Database>, _dialect: DialectName, organizationId: string, spec: EntitySpec<S>) {
    this.#db = db as unknown as GenericDb;
    this.#organizationId = organizationId;
    this.#spec = spec;
    this.#input = spec.schema
      .omit({ id: true, organizationId: true, createdAt: true, updatedAt: true })
      .strict();
  }

  /** Creates a row and returns it. */
  async create(input: EntityInput<S>): Promise<z.output<S>> {
    const data = parseInput(this.#input, input) as Record<string, unknown>;
    await this.#checkReferences(data);
    const stamp = now();
    const row = {
      ...this.#encode(data),
      id: newId(),
      organizationId: this.#organizationId,
      createdAt: stamp,
      updatedAt: stamp,
    };
    await this.#db.insertInto(this.#spec.table).values(row).execute();
    return this.#decode(row);
  }

  /** The row with this id, or `null` when there is none in this organization. */
  async get(id: string): Promise<z.output<S> | null> {
    const row = await this.#db
      .selectFrom(this.#spec.table)
      .selectAll()
      .where("id", "=", id)
      .where("organizationId", "=", this.#organizationId)
      .executeTakeFirst();
    return row ? this.#decode(row) : null;
  }

  /** The row with this id; throws `NotFoundError` when there is none in this organization. */
  async require(id: string): Promise<z.output<S>> {
    const found = await this.get(id);
    if (!found) throw new NotFoundError(this.#spec.entity, id);
    return found;
  }

  /** Rows in creation order, filtered by equality on scalar fields. */
  async list(options: ListOptions<z.output<S>> = {}): Promise<z.output<S>[]> {
    let query = this.#db
      .selectFrom(this.#spec.table)
      .selectAll()
      .where("organizationId", "=", this.#organizationId);
    for (const [key, value] of Object.entries(options.where ?? {})) {
      query = value === null ? query.where(key, "is", null) : query.where(key, "=", value as string | number);
    }
    const rows = await query
      .orderBy("createdAt")
      .orderBy("id")
      .limit(Math.min(options.limit ?? 100, 10_000))
      .offset(options.offset ?? 0)
      .execute();
    return rows.map((row) => this.#decode(row));
  }

  /** Number of rows, filtered like `list()`. */
  async count(where: ListOptions<z.output<S>>["where"] = {}): Promise<number> {
    let query = this.#db
      .selectFrom(this.#spec.table)
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .where("organizationId", "=", this.#organizationId);
    for (const [key, value] of Object.entries(where)) {
      query = value === null ? query.where(key, "is", null) : query.where(key, "=", value as string | number);
    }
    const row = await query.executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /** Changes the given fields and returns the row. */
  async update(id: string, patch: EntityPatch<S>): Promise<z.output<S>> {
    const current = await this.require(id);
    const {
      id: _i,
      organizationId: _o,
      createdAt: _c,
      updatedAt: _u,
      ...rest
    } = current as Record<string, unknown>;
    const data = parseInput(this.#input, { ...rest, ...patch }) as Record<string, unknown>;
    await this.#checkReferences(data);
    const values = { ...this.#encode(data), updatedAt: now() };
    await this.#db
      .updateTable(this.#spec.table)
      .set(values)
      .where("id", "=", id)
      .where("organizationId", "=", this.#organizationId)
      .execute();
    return this.require(id);
  }

  /** Deletes the row; returns whether one was deleted. */
  async delete(id: string): Promise<boolean> {
    const result = await this.#db
      .deleteFrom(this.#spec.table)
      .where("id", "=", id)
      .where("organizationId", "=", this.#organizationId)
      .executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  }

  #encode(data: Record<string, unknown>): Record<string, unknown> {
    const out: Record<string, unknown> = { ...data };
    for (const key of this.#spec.json) if (key in out) out[key] = out[key] === null ? null : toJson(out[key]);
    return out;
  }

  #decode(row: Record<string, unknown>): z.output<S> {
    const data: Record<string, unknown> = { ...row };
    for (const key of this.#spec.json) data[key] = fromJson(data[key], null);
    return this.#spec.schema.parse(data) as z.output<S>;
  }

  async #checkReferences(data: Record<string, unknown>): Promise<void> {
    for (const [field, table] of Object.entries(this.#spec.references ?? {}) as [string, string][]) {
      const id = data[field];
      if (typeof id !== "string") continue;
      const found = await this.#db
        .selectFrom(table)
        .select("id")
        .where("id", "=", id)
        .where("organizationId", "=", this.#organizationId)
        .executeTakeFirst();
      if (!found) throw new NotFoundError(`${this.#spec.entity}.${field} ${table}`, id);
    }
  }
}
