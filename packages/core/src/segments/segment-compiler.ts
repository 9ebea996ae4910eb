/**
 * Compiles a {@link SegmentFilter} to one SQL query with Kysely, the same for SQLite and PostgreSQL. Every
 * user value is a bound parameter; every table is scoped to the organization.
 *
 * Shape of the query (voters universe):
 *
 * ```sql
 * with recent_elections_1 as materialized (select id from election where … order by date desc limit n)
 * select … from voter v where v.organization_id = ? and v.removed_at is null and <filter>
 * ```
 *
 * Conditions compile to predicates on `v` (the voter) or to correlated subqueries keyed by the voter id or the
 * linked person id, each on an index: `vote_history` by its primary key (voter_id, election_id), the consent
 * ledger by `consent_event_lookup_idx`, phones, emails, tags, lists and interactions by their person index.
 * Every predicate is two-valued (never SQL NULL), so `not` means exactly "does not match".
 *
 * @module
 */
import {
  type Expression,
  type ExpressionBuilder,
  type Kysely,
  type QueryCreator,
  type SelectQueryBuilder,
  type SqlBool,
  sql,
} from "kysely";
import { normalizeTimestamp } from "../normalize/date.js";
import type { Database, DialectName } from "../storage/schema.js";
import { mentionsRemoved, type PhoneLineType, type SegmentFilter } from "./segment-filter.js";

/**
 * What a segment counts: `voters` (voter records, the default; person conditions read the linked person) or
 * `people` (people, with voter conditions read on the person's registration — their most recently imported
 * linked voter record that is not removed; people without one match no voter condition).
 */
export type SegmentUniverse = "voters" | "people";

// Compiled queries reach tables that have no typed interface in `Database` (interaction, signature,
// attendance, event) and name CTEs at run time, so the compiler works on a structurally typed database.
type AnyDb = Record<string, Record<string, unknown>>;
type Eb = ExpressionBuilder<AnyDb, "v" | "p">;
type Condition = (eb: Eb) => Expression<SqlBool>;
type Query = SelectQueryBuilder<AnyDb, "v" | "p", Record<string, unknown>>;

/** A "last n elections of a type" set, precomputed once per query in a CTE. */
interface RecentElections {
  readonly name: string;
  readonly type: string;
  readonly last: number;
  readonly asOf: string | undefined;
}

/** @internal Everything a compilation needs besides the filter. */
export interface CompileOptions {
  /** The organization every row must belong to. */
  readonly organizationId: string;
  /** What is counted. */
  readonly universe: SegmentUniverse;
  /** "Today" as `YYYY-MM-DD` (UTC), for ages and relative registration dates. */
  readonly today: string;
  /** The database the query runs on: the people universe joins registrations differently on each. */
  readonly dialect: DialectName;
}

interface Context extends CompileOptions {
  /** Where the linked person's id is: `v.personId` (voters) or `p.id` (people). */
  readonly person: "v.personId" | "p.id";
  readonly elections: RecentElections[];
  /** The page being built: members after this key (set by {@link CompiledFilter.from} for each query). */
  readonly page: { after: string | null };
}

/** @internal A filter compiled to a WHERE condition plus the CTEs it needs. */
export class CompiledFilter {
  readonly #context: Context;
  readonly #condition: Condition;
  readonly #includeRemoved: boolean;

  constructor(filter: SegmentFilter, options: CompileOptions) {
    this.#context = {
      ...options,
      person: options.universe === "voters" ? "v.personId" : "p.id",
      elections: [],
      page: { after: null },
    };
    this.#includeRemoved = mentionsRemoved(filter);
    this.#condition = compileNode(this.#context, filter).build;
  }

  /** The universe this filter was compiled for. */
  get universe(): SegmentUniverse {
    return this.#context.universe;
  }

  /** The column that orders members and pages them: the voter id, or the person id for people. */
  get key(): "v.id" | "p.id" {
    return this.#context.universe === "voters" ? "v.id" : "p.id";
  }

  /** Where the member's person id is. */
  get person(): "v.personId" | "p.id" {
    return this.#context.person;
  }

  /**
   * `select … from <universe> where <organization> and <filter>`, before any column is selected; with
   * `after`, only the members whose {@link CompiledFilter.key} comes after it (one page of a keyset walk).
   */
  from(db: Kysely<Database>, page: { readonly after?: string | null } = {}): Query {
    // Conditions are built by the calls below, so they see this page's cursor (see `lists`).
    this.#context.page.after = page.after ?? null;
    try {
      const query = this.#from(db);
      return page.after == null ? query : query.where(this.key, ">", page.after);
    } finally {
      this.#context.page.after = null;
    }
  }

  #from(db: Kysely<Database>): Query {
    const { organizationId, universe } = this.#context;
    let creator = db as unknown as QueryCreator<AnyDb>;
    for (const recent of this.#context.elections) {
      creator = creator.with(
        (cte) => cte(recent.name).materialized(),
        (qc) => {
          let query = qc
            .selectFrom("election as e")
            .select("e.id")
            .where("e.organizationId", "=", organizationId)
            .where("e.type", "=", recent.type);
          if (recent.asOf !== undefined) query = query.where("e.date", "<", recent.asOf);
          return query.orderBy("e.date", "desc").orderBy("e.id", "desc").limit(recent.last);
        },
      ) as unknown as QueryCreator<AnyDb>;
    }
    const condition = this.#condition;
    if (universe === "voters") {
      let query = creator.selectFrom("voter as v").where("v.organizationId", "=", organizationId);
      if (!this.#includeRemoved) query = query.where("v.removedAt", "is", null);
      return query.where((eb) => condition(eb as Eb)) as unknown as Query;
    }
    const includeRemoved = this.#includeRemoved;
    // The person's registration: their most recently imported linked voter record (one not removed first;
    // removed ones only when the filter asks for them).
    const registration = <Q extends SelectQueryBuilder<AnyDb, "v2", object>>(query: Q): Q => {
      let ordered = query
        .where("v2.personId", "=", (eb: ExpressionBuilder<AnyDb, "v2" | "p">) => eb.ref("p.id"))
        .where("v2.organizationId", "=", organizationId) as Q;
      ordered = (
        includeRemoved
          ? ordered.orderBy((o) =>
              o.case().when("v2.removedAt", "is", null).then(o.lit(0)).else(o.lit(1)).end(),
            )
          : ordered.where("v2.removedAt", "is", null)
      ) as Q;
      return ordered.orderBy("v2.createdAt", "desc").orderBy("v2.id", "desc").limit(1) as Q;
    };
    const people = creator.selectFrom("person as p");
    // PostgreSQL: a lateral join, so a page of people is read in id order from person_org_id_idx and each
    // registration is one index seek. A join on `v.id = (subquery)` makes it hash every person of the
    // organization and sort them on every page (quadratic over a paged audience; seconds a page at 100,000
    // people). SQLite has no LATERAL and already runs the correlated subquery once per person it reads.
    const joined =
      this.#context.dialect === "postgres"
        ? people.leftJoinLateral(
            (eb) => registration(eb.selectFrom("voter as v2").selectAll("v2")).as("v"),
            (join) => join.onTrue(),
          )
        : people.leftJoin("voter as v", (join) =>
            join.on((eb) => eb("v.id", "=", registration(eb.selectFrom("voter as v2").select("v2.id")))),
          );
    return joined
      .where("p.organizationId", "=", organizationId)
      .where((eb) => condition(eb as unknown as Eb)) as unknown as Query;
  }
}

/**
 * A compiled condition and a rough cost per member: AND and OR lists are ordered cheapest first, so column
 * tests run before correlated subqueries and cut most members early (both databases evaluate a filter's
 * terms largely in the order written). Reordering is safe because every predicate is two-valued and pure.
 */
interface Part {
  readonly cost: number;
  readonly build: Condition;
}

/** Relative costs: a column test, a JSON read, an index seek, several seeks, a count over vote history. */
const COST = { column: 1, json: 2, seek: 10, seeks: 20, history: 25 } as const;

const byCost = (a: Part, b: Part) => a.cost - b.cost;

function allOf(parts: Part[]): Part {
  const sorted = [...parts].sort(byCost);
  if (sorted.length === 1) return sorted[0]!;
  return {
    cost: sorted.reduce((sum, part) => sum + part.cost, 0),
    build: (eb) => eb.and(sorted.map((part) => part.build(eb))),
  };
}

function compileNode(ctx: Context, filter: SegmentFilter): Part {
  const parts: Part[] = [];
  const add = (cost: number, build: Condition) => parts.push({ cost, build });
  const voter = (cost: number, build: Condition) => add(cost, voterSide(ctx, build));
  if (filter.all) parts.push(...filter.all.map((child) => compileNode(ctx, child)));
  if (filter.any) {
    const children = filter.any.map((child) => compileNode(ctx, child)).sort(byCost);
    add(
      children.reduce((sum, child) => sum + child.cost, 0),
      (eb) => eb.or(children.map((child) => child.build(eb))),
    );
  }
  if (filter.not) {
    const child = compileNode(ctx, filter.not);
    add(child.cost, (eb) => eb.not(child.build(eb)));
  }
  if (filter.county) voter(COST.column, inList("v.county", filter.county));
  if (filter.precinct) voter(COST.column, inList("v.precinct", filter.precinct));
  if (filter.zip) voter(COST.column, inList("v.zip5", filter.zip));
  if (filter.district) voter(COST.json, district(filter.district));
  if (filter.status) voter(COST.column, inList("v.status", filter.status));
  if (filter.party) voter(COST.column, inList("v.party", filter.party));
  if (filter.age) voter(COST.column, age(ctx, filter.age));
  if (filter.registeredSince !== undefined) voter(COST.column, registeredSince(ctx, filter.registeredSince));
  if (filter.registeredBefore !== undefined) {
    const before = filter.registeredBefore;
    voter(COST.column, (eb) =>
      eb.and([eb("v.registrationDate", "is not", null), eb("v.registrationDate", "<", before)]),
    );
  }
  if (filter.voted) voter(COST.history, voted(ctx, filter.voted));
  if (filter.votedIn) voter(COST.seeks, votedIn(ctx, filter.votedIn));
  if (filter.turnoutPropensity) {
    const { min, max } = filter.turnoutPropensity;
    voter(COST.column, (eb) =>
      eb.and([
        eb("v.turnoutPropensity", "is not", null),
        ...(min === undefined ? [] : [eb("v.turnoutPropensity", ">=", min)]),
        ...(max === undefined ? [] : [eb("v.turnoutPropensity", "<=", max)]),
      ]),
    );
  }
  if (filter.linked !== undefined) {
    const linked = filter.linked;
    add(COST.column, (eb) => {
      const isLinked = eb.and([eb("v.id", "is not", null), eb("v.personId", "is not", null)]);
      return linked ? isLinked : eb.not(isLinked);
    });
  }
  if (filter.phone) add(COST.seeks, phone(ctx, filter.phone));
  if (filter.email) add(COST.seeks, email(ctx, filter.email));
  if (filter.notOptedOut) add(COST.seeks, notOptedOut(ctx, filter.notOptedOut));
  if (filter.tags) add(COST.seek, tags(ctx, filter.tags));
  if (filter.lists) add(COST.seek, lists(ctx, filter.lists));
  if (filter.attendedEvent) add(COST.json, attendedEvent(ctx, filter.attendedEvent));
  if (filter.signedPetition) add(COST.json, signedPetition(ctx, filter.signedPetition));
  if (filter.lastContacted) add(COST.seek, lastContacted(ctx, filter.lastContacted));
  if (parts.length === 0) return { cost: 0, build: (eb) => eb.and([]) };
  return allOf(parts);
}

/** In the people universe a voter condition is false for people without a registration. */
function voterSide(ctx: Context, condition: Condition): Condition {
  if (ctx.universe === "voters") return condition;
  return (eb) => eb.and([eb("v.id", "is not", null), condition(eb)]);
}

/** `column in (values)`, false (not NULL) when the column is NULL. */
function inList(column: string, values: readonly string[]): Condition {
  return (eb) => eb.and([eb(eb.ref(column), "is not", null), eb(eb.ref(column), "in", [...values])]);
}

function district(districts: Record<string, string[]>): Condition {
  return (eb) =>
    eb.and(
      Object.entries(districts).map(([name, values]) => {
        // `->>` with a text key reads a JSON member on both databases (SQLite ≥ 3.38, PostgreSQL jsonb).
        const member = sql<string>`${eb.ref("v.districts")} ->> cast(${name} as text)`;
        return eb.and([eb(member, "is not", null), eb(member, "in", [...values])]);
      }),
    );
}

function age(ctx: Context, range: NonNullable<SegmentFilter["age"]>): Condition {
  const asOf = range.asOf ?? ctx.today;
  const year = Number(asOf.slice(0, 4));
  // Exact ages from the birth date become date bounds (index-friendly, no date arithmetic in SQL):
  // age ≥ min ⇔ born on or before asOf − min years; age ≤ max ⇔ born after asOf − (max + 1) years.
  return (eb) => {
    const byDate = [eb("v.birthdate", "is not", null)];
    const byYear = [eb("v.birthdate", "is", null), eb("v.birthYear", "is not", null)];
    if (range.min !== undefined) {
      byDate.push(eb("v.birthdate", "<=", yearsBefore(asOf, range.min)));
      byYear.push(eb("v.birthYear", "<=", year - range.min));
    }
    if (range.max !== undefined) {
      byDate.push(eb("v.birthdate", ">", yearsBefore(asOf, range.max + 1)));
      byYear.push(eb("v.birthYear", ">=", year - range.max));
    }
    return eb.or([eb.and(byDate), eb.and(byYear)]);
  };
}

function registeredSince(ctx: Context, since: NonNullable<SegmentFilter["registeredSince"]>): Condition {
  const registered = (eb: Eb) => eb("v.registrationDate", "is not", null);
  if (typeof since === "string") {
    return (eb) => eb.and([registered(eb), eb("v.registrationDate", ">=", since)]);
  }
  if ("months" in since) {
    const date = monthsBefore(ctx.today, since.months);
    return (eb) => eb.and([registered(eb), eb("v.registrationDate", ">=", date)]);
  }
  const type = since.lastElection;
  return (eb) => {
    const elections = () =>
      eb
        .selectFrom("election as e")
        .where("e.organizationId", "=", ctx.organizationId)
        .where("e.type", "=", type);
    return eb.and([
      registered(eb),
      // Without such an election nobody is "new since" it; the EXISTS keeps the predicate two-valued.
      eb.exists(elections().select(eb.lit(1).as("one"))),
      eb(
        "v.registrationDate",
        ">=",
        elections().select((s) => s.fn.max("e.date").as("last")),
      ),
    ]);
  };
}

function voted(ctx: Context, condition: NonNullable<SegmentFilter["voted"]>): Condition {
  let recent = ctx.elections.find(
    (known) =>
      known.type === condition.type && known.last === condition.last && known.asOf === condition.asOf,
  );
  if (!recent) {
    recent = {
      name: `recent_elections_${ctx.elections.length + 1}`,
      type: condition.type,
      last: condition.last,
      asOf: condition.asOf,
    };
    ctx.elections.push(recent);
  }
  const name = recent.name;
  return (eb) => {
    // Ballots among the recent elections, by the vote_history primary key (voter_id, election_id).
    const ballots = eb
      .selectFrom("voteHistory as vh")
      .select((s) => s.fn.countAll().as("n"))
      .whereRef("vh.voterId", "=", "v.id")
      .where("vh.electionId", "in", eb.selectFrom(name).select(`${name}.id`));
    const bounds: Expression<SqlBool>[] = [];
    if (condition.atMost !== undefined) bounds.push(eb(ballots, "<=", condition.atMost));
    if (condition.atLeast !== undefined) bounds.push(eb(ballots, ">=", condition.atLeast));
    return eb.and(bounds);
  };
}

function votedIn(ctx: Context, condition: NonNullable<SegmentFilter["votedIn"]>): Condition {
  return (eb) => {
    let ballots = eb
      .selectFrom("voteHistory as vh")
      .innerJoin("election as e", "e.id", "vh.electionId")
      .select(eb.lit(1).as("one"))
      .whereRef("vh.voterId", "=", "v.id")
      .where("e.organizationId", "=", ctx.organizationId);
    if (condition.electionId !== undefined) ballots = ballots.where("e.id", "=", condition.electionId);
    if (condition.date !== undefined) ballots = ballots.where("e.date", "=", condition.date);
    if (condition.type !== undefined) ballots = ballots.where("e.type", "=", condition.type);
    if (condition.since !== undefined) ballots = ballots.where("e.date", ">=", condition.since);
    if (condition.before !== undefined) ballots = ballots.where("e.date", "<", condition.before);
    if (condition.party !== undefined) ballots = ballots.where("vh.party", "in", condition.party);
    if (condition.method !== undefined) ballots = ballots.where("vh.method", "in", condition.method);
    return eb.exists(ballots);
  };
}

/**
 * The kind (`opt_in` / `opt_out`) of the latest consent event of a contact point, or `none`: one backward
 * seek on consent_event_lookup_idx (organization, channel, contact point, occurred_at, sequence), the same
 * "latest event wins" rule as `consent.status()`.
 */
function latestConsent(ctx: Context, eb: Eb, channel: string, contactPoint: string): Expression<string> {
  const latest = eb
    .selectFrom("consentEvent as ce")
    .select("ce.kind")
    .where("ce.organizationId", "=", ctx.organizationId)
    .where("ce.channel", "=", channel)
    .whereRef("ce.contactPoint", "=", contactPoint)
    .orderBy("ce.occurredAt", "desc")
    .orderBy("ce.sequence", "desc")
    .limit(1);
  return eb.fn.coalesce(latest, eb.val("none")) as Expression<string>;
}

function consentHolds(
  ctx: Context,
  eb: Eb,
  channel: string,
  contactPoint: string,
  requirement: "optedIn" | "notOptedOut",
): Expression<SqlBool> {
  const kind = latestConsent(ctx, eb, channel, contactPoint);
  return requirement === "optedIn" ? eb(kind, "=", "opt_in") : eb(kind, "<>", "opt_out");
}

const UNREACHABLE_PHONE = ["wrong_number", "disconnected"];
const UNDELIVERABLE_EMAIL = ["bouncing", "invalid"];

function phone(ctx: Context, condition: NonNullable<SegmentFilter["phone"]>): Condition {
  const channel = condition.channel ?? "sms";
  const lineTypes: PhoneLineType[] | undefined =
    condition.lineType === undefined
      ? undefined
      : Array.isArray(condition.lineType)
        ? condition.lineType
        : [condition.lineType];
  return (eb) => {
    // The voter file's phone: its line type is only known from a lookup (phone_line_type).
    const fromFile: Expression<SqlBool>[] = [eb("v.phone", "is not", null)];
    if (lineTypes) {
      const looked = eb
        .selectFrom("phoneLineType as plt")
        .select("plt.lineType")
        .where("plt.organizationId", "=", ctx.organizationId)
        .whereRef("plt.number", "=", "v.phone");
      fromFile.push(eb(eb.fn.coalesce(looked, eb.val("unknown")), "in", lineTypes));
    }
    if (condition.consent) fromFile.push(consentHolds(ctx, eb, channel, "v.phone", condition.consent));

    // The person's numbers: their own line type, else a lookup, else unknown.
    let numbers = eb
      .selectFrom("personPhone as pp")
      .select(eb.lit(1).as("one"))
      .whereRef("pp.personId", "=", ctx.person)
      .where("pp.organizationId", "=", ctx.organizationId)
      .where("pp.status", "not in", UNREACHABLE_PHONE);
    if (lineTypes) {
      numbers = numbers
        .leftJoin("phoneLineType as plt", (join) =>
          join.onRef("plt.number", "=", "pp.number").on("plt.organizationId", "=", ctx.organizationId),
        )
        .where(
          (w) =>
            w
              .case()
              .when("pp.lineType", "<>", "unknown")
              .then(w.ref("pp.lineType"))
              .else(w.fn.coalesce("plt.lineType", w.val("unknown")))
              .end(),
          "in",
          lineTypes,
        );
    }
    if (condition.consent) {
      const requirement = condition.consent;
      numbers = numbers.where((w) =>
        consentHolds(ctx, w as unknown as Eb, channel, "pp.number", requirement),
      );
    }
    return eb.or([eb.and(fromFile), eb.exists(numbers)]);
  };
}

function email(ctx: Context, condition: NonNullable<SegmentFilter["email"]>): Condition {
  return (eb) => {
    let addresses = eb
      .selectFrom("personEmail as pe")
      .select(eb.lit(1).as("one"))
      .whereRef("pe.personId", "=", ctx.person)
      .where("pe.organizationId", "=", ctx.organizationId)
      .where("pe.status", "not in", UNDELIVERABLE_EMAIL);
    if (condition.consent) {
      const requirement = condition.consent;
      addresses = addresses.where((w) =>
        consentHolds(ctx, w as unknown as Eb, "email", "pe.address", requirement),
      );
    }
    return eb.exists(addresses);
  };
}

function notOptedOut(ctx: Context, channel: "sms" | "email" | "voice"): Condition {
  return (eb) => {
    if (channel === "email") {
      return eb.not(
        eb.exists(
          eb
            .selectFrom("personEmail as pe")
            .select(eb.lit(1).as("one"))
            .whereRef("pe.personId", "=", ctx.person)
            .where("pe.organizationId", "=", ctx.organizationId)
            .where((w) => w(latestConsent(ctx, w as unknown as Eb, "email", "pe.address"), "=", "opt_out")),
        ),
      );
    }
    return eb.and([
      eb.or([eb("v.phone", "is", null), eb(latestConsent(ctx, eb, channel, "v.phone"), "<>", "opt_out")]),
      eb.not(
        eb.exists(
          eb
            .selectFrom("personPhone as pp")
            .select(eb.lit(1).as("one"))
            .whereRef("pp.personId", "=", ctx.person)
            .where("pp.organizationId", "=", ctx.organizationId)
            .where((w) => w(latestConsent(ctx, w as unknown as Eb, channel, "pp.number"), "=", "opt_out")),
        ),
      ),
    ]);
  };
}

function tags(ctx: Context, condition: NonNullable<SegmentFilter["tags"]>): Condition {
  // By the person_tag primary key (person_id, tag_id), then the tag by id.
  const tagged = (eb: Eb, names: string[]) =>
    eb.exists(
      eb
        .selectFrom("personTag as pt")
        .innerJoin("tag as t", "t.id", "pt.tagId")
        .select(eb.lit(1).as("one"))
        .whereRef("pt.personId", "=", ctx.person)
        .where("t.organizationId", "=", ctx.organizationId)
        .where("t.name", "in", names),
    );
  if (condition.any) {
    const names = condition.any;
    return (eb) => tagged(eb, names);
  }
  const names = condition.all ?? [];
  return (eb) => eb.and(names.map((name) => tagged(eb, [name])));
}

function lists(ctx: Context, listIds: string[]): Condition {
  return (eb) => {
    let members = eb
      .selectFrom("listMember as lm")
      .select(eb.lit(1).as("one"))
      .whereRef("lm.personId", "=", ctx.person)
      .where("lm.organizationId", "=", ctx.organizationId)
      .where("lm.listId", "in", listIds);
    // A page of people after a cursor: their memberships are after it too (lm.person_id = p.id > cursor, so
    // this changes no answer, under NOT as anywhere). Said outright, PostgreSQL reads the list's index from
    // the cursor on instead of every membership before it on every page.
    const after = ctx.page.after;
    if (ctx.universe === "people" && after !== null) members = members.where("lm.personId", ">", after);
    return eb.exists(members);
  };
}

/**
 * `person in (…)`: attendance and signature have no index that starts with the person, so their people are
 * collected once (an uncorrelated subquery both databases evaluate a single time) rather than per member.
 */
function personIn(ctx: Context, people: (eb: Eb) => Expression<unknown>): Condition {
  return (eb) =>
    eb.and([
      eb(eb.ref(ctx.person), "is not", null),
      eb(eb.ref(ctx.person), "in", people(eb) as Parameters<typeof eb.val>[0]),
    ]);
}

function attendedEvent(ctx: Context, condition: NonNullable<SegmentFilter["attendedEvent"]>): Condition {
  return personIn(ctx, (eb) => {
    let attended = eb
      .selectFrom("attendance as a")
      .select("a.personId")
      .where("a.organizationId", "=", ctx.organizationId)
      .where("a.status", "=", "attended");
    if (condition.eventIds) attended = attended.where("a.eventId", "in", condition.eventIds);
    if (condition.since !== undefined || condition.before !== undefined) {
      let events = eb
        .selectFrom("event as ev")
        .select("ev.id")
        .where("ev.organizationId", "=", ctx.organizationId);
      if (condition.since !== undefined)
        events = events.where("ev.startDate", ">=", instant(condition.since));
      if (condition.before !== undefined)
        events = events.where("ev.startDate", "<", instant(condition.before));
      attended = attended.where("a.eventId", "in", events);
    }
    return attended;
  });
}

function signedPetition(ctx: Context, condition: NonNullable<SegmentFilter["signedPetition"]>): Condition {
  return personIn(ctx, (eb) => {
    let signed = eb
      .selectFrom("signature as s")
      .select("s.personId")
      .where("s.organizationId", "=", ctx.organizationId);
    if (condition.petitionIds) signed = signed.where("s.petitionId", "in", condition.petitionIds);
    if (condition.since !== undefined) signed = signed.where("s.signedAt", ">=", instant(condition.since));
    if (condition.before !== undefined) signed = signed.where("s.signedAt", "<", instant(condition.before));
    return signed;
  });
}

function lastContacted(ctx: Context, condition: NonNullable<SegmentFilter["lastContacted"]>): Condition {
  // interaction_person_idx (person_id, occurred_at) answers each EXISTS with one range seek.
  const contacts = (eb: Eb, since?: string) => {
    let query = eb
      .selectFrom("interaction as i")
      .select(eb.lit(1).as("one"))
      .whereRef("i.personId", "=", ctx.person)
      .where("i.organizationId", "=", ctx.organizationId);
    if (condition.channel !== undefined) query = query.where("i.channel", "=", condition.channel);
    if (since !== undefined) query = query.where("i.occurredAt", ">=", since);
    return eb.exists(query);
  };
  if (condition.never) return (eb) => eb.not(contacts(eb));
  const after = condition.after === undefined ? undefined : instant(condition.after);
  const before = condition.before === undefined ? undefined : instant(condition.before);
  return (eb) =>
    eb.and([
      // Contacted (on or after `after`, when given) …
      contacts(eb, after),
      // … and, with `before`, not contacted since then: the last contact came before it.
      ...(before === undefined ? [] : [eb.not(contacts(eb, before))]),
    ]);
}

/** A date (midnight UTC) or an instant as the ISO string Precinct stores. */
function instant(value: string): string {
  return normalizeTimestamp(value, { field: "filter" });
}

/** `date` minus whole years; 29 February becomes 28 February in a common year. */
function yearsBefore(date: string, years: number): string {
  const [year, month, day] = date.split("-").map(Number) as [number, number, number];
  const target = year - years;
  const last = new Date(Date.UTC(target, month, 0)).getUTCDate();
  return `${String(target).padStart(4, "0")}-${pad(month)}-${pad(Math.min(day, last))}`;
}

/** `date` minus whole months, clamped to the month's last day. */
function monthsBefore(date: string, months: number): string {
  const [year, month, day] = date.split("-").map(Number) as [number, number, number];
  const index = year * 12 + (month - 1) - months;
  const targetYear = Math.floor(index / 12);
  const targetMonth = (index % 12) + 1;
  const last = new Date(Date.UTC(targetYear, targetMonth, 0)).getUTCDate();
  return `${String(targetYear).padStart(4, "0")}-${pad(targetMonth)}-${pad(Math.min(day, last))}`;
}

function pad(value: number): string {
  return String(value).padStart(2, "0");
}
