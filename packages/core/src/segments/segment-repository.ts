import { CompiledQuery, type Kysely } from "kysely";
import { InvalidInputError, NotFoundError } from "../spec/errors.js";
import { Segment } from "../spec/model/organizing.js";
import { EntityRepository, type ListOptions } from "../storage/repositories/entity-repository.js";
import type { Database, DialectName } from "../storage/schema.js";
import { PlannerStatistics } from "../storage/statistics.js";
import { CompiledFilter, type SegmentUniverse } from "./segment-compiler.js";
import { parseSegmentFilter, type SegmentFilter } from "./segment-filter.js";
import {
  memberField,
  SEGMENT_MEMBER_FIELDS,
  type SegmentMember,
  type SegmentMemberField,
  toMember,
} from "./segment-member.js";

/** A saved segment: a named {@link SegmentFilter}. */
export type SavedSegment = Omit<Segment, "filter"> & {
  /** The filter, exactly as saved. */
  filter: SegmentFilter;
};

/** What `segments.create()` accepts. */
export interface SegmentInput {
  /** The segment's name, e.g. "New and infrequent voters, precincts 12–15". */
  name: string;
  /** What the segment is for. */
  description?: string | null;
  /** The filter; `{}` (the default) means everyone. Validated on save. */
  filter?: SegmentFilter;
}

/** A filter, or the id of a saved segment of this organization. */
export type SegmentTarget = SegmentFilter | string;

/** Options shared by `count()`, `members()`, `explain()` and `compile()`. */
export interface SegmentQueryOptions {
  /** What to count: voter records (default) or people. See {@link SegmentUniverse}. */
  universe?: SegmentUniverse;
}

/** Options of `segments.members()`. */
export interface SegmentMembersOptions<F extends SegmentMemberField = SegmentMemberField>
  extends SegmentQueryOptions {
  /** Members fetched per query (keyset pagination). Default 1,000; 1 to 10,000. */
  batchSize?: number;
  /** The fields to read (`voterId` and `personId` always come). Default: every field of {@link SegmentMember}. */
  fields?: readonly F[];
}

/** Options of `segments.explain()` and `segments.compile()`. */
export interface SegmentExplainOptions extends SegmentQueryOptions {
  /** Which query: `count` (default for `explain`) or `members` (default for `compile`: every field, no paging). */
  query?: "count" | "members";
}

/** A compiled query: SQL text for the client's database, with its bound parameters. */
export interface CompiledSegment {
  /** The SQL, with `?` (SQLite) or `$n` (PostgreSQL) placeholders. */
  readonly sql: string;
  /** The values bound to the placeholders, in order. */
  readonly parameters: readonly unknown[];
}

/**
 * Saved segments of one organization, and the queries that count and stream the members of any segment.
 * A segment's members are voter records by default (people with `{ universe: "people" }`).
 *
 * @example
 * ```ts
 * const segment = await precinct.segments.create({
 *   name: "New and infrequent voters, P1–P3, textable",
 *   filter: {
 *     precinct: ["P1", "P2", "P3"],
 *     any: [{ registeredSince: { lastElection: "general" } }, { voted: { type: "general", last: 4, atMost: 1 } }],
 *     phone: { lineType: "mobile", consent: "notOptedOut" },
 *   },
 * });
 * console.log(await precinct.segments.count(segment.id));
 * for await (const member of precinct.segments.members(segment.id, { fields: ["givenName", "phone"] })) {
 *   console.log(member.givenName, member.phone);
 * }
 * ```
 */
export class SegmentRepository {
  readonly #db: Kysely<Database>;
  readonly #dialect: DialectName;
  readonly #organizationId: string;
  readonly #rows: EntityRepository<typeof Segment>;
  readonly #statistics: PlannerStatistics;

  /** @internal Created by `createPrecinct()`. */
  constructor(db: Kysely<Database>, dialect: DialectName, organizationId: string) {
    this.#db = db;
    this.#dialect = dialect;
    this.#organizationId = organizationId;
    this.#statistics = new PlannerStatistics(db, dialect);
    this.#rows = new EntityRepository(db, dialect, organizationId, {
      entity: "Segment",
      table: "segment",
      schema: Segment,
      json: ["filter"],
    });
  }

  /**
   * Saves a segment.
   *
   * @throws {@link InvalidInputError} naming the path of the first problem in the filter
   *   (`filter.any.0.voted.last`).
   */
  async create(input: SegmentInput): Promise<SavedSegment> {
    const filter = parseSegmentFilter(input.filter ?? {});
    return asSaved(await this.#rows.create({ ...input, filter: filter as Record<string, unknown> }));
  }

  /** The saved segment with this id, or `null` when there is none in this organization. */
  async get(id: string): Promise<SavedSegment | null> {
    const found = await this.#rows.get(id);
    return found ? asSaved(found) : null;
  }

  /** The saved segment with this id; throws `NotFoundError` otherwise. */
  async require(id: string): Promise<SavedSegment> {
    return asSaved(await this.#rows.require(id));
  }

  /** Saved segments in creation order. */
  async list(options: ListOptions<Segment> = {}): Promise<SavedSegment[]> {
    return (await this.#rows.list(options)).map(asSaved);
  }

  /**
   * Changes a saved segment's name, description or filter.
   *
   * @throws {@link InvalidInputError} when the new filter is invalid.
   */
  async update(id: string, patch: Partial<SegmentInput>): Promise<SavedSegment> {
    const { filter, ...rest } = patch;
    const next =
      filter === undefined
        ? rest
        : { ...rest, filter: parseSegmentFilter(filter) as Record<string, unknown> };
    return asSaved(await this.#rows.update(id, next));
  }

  /** Deletes a saved segment; returns whether one was deleted. */
  async delete(id: string): Promise<boolean> {
    return this.#rows.delete(id);
  }

  /**
   * Counts the members of a filter or saved segment.
   *
   * @throws {@link InvalidInputError} for an invalid filter; `NotFoundError` for an unknown segment id.
   */
  async count(target: SegmentTarget, options: SegmentQueryOptions = {}): Promise<number> {
    const compiled = await this.#compile(target, options);
    const row = await compiled
      .from(this.#db)
      .select((eb) => eb.fn.countAll().as("n"))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /**
   * Streams the members of a filter or saved segment, ordered by voter id (person id for people), in
   * batches of `batchSize` fetched with keyset pagination: memory stays at one batch, and each member comes
   * exactly once even while other writes happen (a member added behind the cursor is not revisited).
   *
   * @example
   * ```ts
   * for await (const { voterId, phone } of precinct.segments.members(filter, { fields: ["phone"] })) { … }
   * ```
   */
  async *members<F extends SegmentMemberField = SegmentMemberField>(
    target: SegmentTarget,
    options: SegmentMembersOptions<F> = {},
  ): AsyncGenerator<Pick<SegmentMember, F | "voterId" | "personId">> {
    const batchSize = options.batchSize ?? 1000;
    if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > 10_000) {
      throw new InvalidInputError({
        field: "batchSize",
        value: batchSize,
        reason: "must be an integer from 1 to 10,000",
      });
    }
    const fields = memberFields(options.fields);
    const compiled = await this.#compile(target, options);
    const key = compiled.universe === "voters" ? "voterId" : "personId";
    // One page at a time means one plan per page: statistics a bulk load left missing would make every page
    // read the whole rest of the audience (PostgreSQL; see PlannerStatistics).
    await this.#statistics.refresh(SEGMENT_TABLES);
    let after: string | null = null;
    for (;;) {
      const rows = await this.#membersQuery(compiled, fields, after).limit(batchSize).execute();
      for (const row of rows) yield toMember(row, fields) as Pick<SegmentMember, F | "voterId" | "personId">;
      if (rows.length < batchSize) return;
      after = rows[rows.length - 1]![key] as string;
    }
  }

  /**
   * The database's plan for a filter's query, as text: `EXPLAIN QUERY PLAN` on SQLite (one line per step,
   * indented under its parent), `EXPLAIN` on PostgreSQL. Use it to check that a segment runs on indexes.
   */
  async explain(target: SegmentTarget, options: SegmentExplainOptions = {}): Promise<string> {
    const { sql, parameters } = this.#build(await this.#compile(target, options), options.query ?? "count");
    const prefix = this.#dialect === "sqlite" ? "explain query plan " : "explain ";
    const result = await this.#db.executeQuery(CompiledQuery.raw(prefix + sql, [...parameters]));
    const rows = result.rows as Record<string, unknown>[];
    if (this.#dialect === "postgres") return rows.map((row) => String(Object.values(row)[0])).join("\n");
    const depth = new Map<number, number>();
    return rows
      .map((row) => {
        const level = (depth.get(Number(row.parent)) ?? -1) + 1;
        depth.set(Number(row.id), level);
        return `${"  ".repeat(level)}${String(row.detail)}`;
      })
      .join("\n");
  }

  /**
   * Compiles a filter to SQL for this client's database without running it: the `members` query (every
   * field, ordered, no paging) by default, or the `count` query.
   *
   * @throws {@link InvalidInputError} for an invalid filter.
   */
  compile(filter: SegmentFilter, options: SegmentExplainOptions = {}): CompiledSegment {
    return this.#build(this.#compiler(parseSegmentFilter(filter), options), options.query ?? "members");
  }

  #build(compiled: CompiledFilter, query: "count" | "members"): CompiledSegment {
    const built =
      query === "count"
        ? compiled
            .from(this.#db)
            .select((eb) => eb.fn.countAll().as("n"))
            .compile()
        : this.#membersQuery(compiled, SEGMENT_MEMBER_FIELDS).compile();
    return { sql: built.sql, parameters: built.parameters };
  }

  #membersQuery(
    compiled: CompiledFilter,
    fields: readonly SegmentMemberField[],
    after: string | null = null,
  ) {
    return compiled
      .from(this.#db, { after })
      .select((eb) => fields.map((field) => memberField(compiled, this.#organizationId, field)(eb).as(field)))
      .orderBy(compiled.key);
  }

  async #compile(target: SegmentTarget, options: SegmentQueryOptions): Promise<CompiledFilter> {
    if (typeof target === "string") {
      const segment = await this.#rows.get(target);
      if (!segment) throw new NotFoundError("Segment", target);
      return this.#compiler(parseSegmentFilter(segment.filter, `segment ${target} filter`), options);
    }
    return this.#compiler(parseSegmentFilter(target), options);
  }

  #compiler(filter: SegmentFilter, options: SegmentQueryOptions): CompiledFilter {
    const universe = options.universe ?? "voters";
    if (universe !== "voters" && universe !== "people") {
      throw new InvalidInputError({
        field: "universe",
        value: universe,
        reason: 'must be "voters" or "people"',
      });
    }
    return new CompiledFilter(filter, {
      organizationId: this.#organizationId,
      universe,
      today: new Date().toISOString().slice(0, 10),
      dialect: this.#dialect,
    });
  }
}

/** The tables a segment's member query reads (PostgreSQL names), whose statistics its plans depend on. */
const SEGMENT_TABLES = [
  "attendance",
  "consent_event",
  "election",
  "event",
  "interaction",
  "list_member",
  "person",
  "person_address",
  "person_email",
  "person_phone",
  "person_tag",
  "phone_line_type",
  "signature",
  "vote_history",
  "voter",
] as const;

function asSaved(segment: Segment): SavedSegment {
  return segment as SavedSegment;
}

function memberFields(requested: readonly string[] | undefined): SegmentMemberField[] {
  if (requested === undefined) return [...SEGMENT_MEMBER_FIELDS];
  const known = new Set<string>(SEGMENT_MEMBER_FIELDS);
  for (const [index, field] of requested.entries()) {
    if (!known.has(field)) {
      throw new InvalidInputError({
        field: `fields.${index}`,
        value: field,
        reason: `is not a member field (fields: ${SEGMENT_MEMBER_FIELDS.join(", ")})`,
      });
    }
  }
  return [...new Set<SegmentMemberField>(["voterId", "personId", ...(requested as SegmentMemberField[])])];
}
