import type { Kysely, Selectable } from "kysely";
import { z } from "zod";
import { NotFoundError } from "../../spec/errors.js";
import { IsoDate } from "../../spec/model/common.js";
import { PostalAddress } from "../../spec/model/person.js";
import {
  Districts,
  Election,
  ElectionType,
  type VoteRecord,
  Voter,
  VoterStatus,
  VotingMethod,
} from "../../spec/model/voter.js";
import { fromJson, newId, now, parseInput, toJson } from "../codec.js";
import type { Database, VoterTable } from "../schema.js";
import { voterKeys } from "./voter-keys.js";

/** What `voters.upsert()` accepts: a registration record keyed by state and state voter id. */
export const VoterInput = z
  .object({
    state: z.string().length(2).toUpperCase(),
    stateVoterId: z.string().trim().min(1),
    countyVoterId: z.string().nullish(),
    county: z.string().nullish(),
    status: VoterStatus.default("unknown"),
    statusReason: z.string().nullish(),
    registrationDate: IsoDate.nullish(),
    party: z.string().nullish(),
    birthYear: z.number().int().nullish(),
    birthdate: IsoDate.nullish(),
    gender: z.string().nullish(),
    race: z.string().nullish(),
    ethnicity: z.string().nullish(),
    givenName: z.string().nullish(),
    familyName: z.string().nullish(),
    additionalName: z.string().nullish(),
    honorificSuffix: z.string().nullish(),
    residentialAddress: PostalAddress.nullish(),
    mailingAddress: PostalAddress.nullish(),
    phone: z.string().nullish(),
    precinct: z.string().nullish(),
    districts: Districts.default({}),
  })
  .strict();
/** What `voters.upsert()` accepts. */
export type VoterInput = z.input<typeof VoterInput>;

/** What `voters.upsert()` did. */
export interface VoterUpsertResult {
  /** `inserted`, `updated` (some field changed) or `unchanged`. */
  status: "inserted" | "updated" | "unchanged";
  /** The voter as stored now. */
  voter: Voter;
  /** Names of the fields that changed. */
  changedFields: string[];
}

const JSON_FIELDS = ["residentialAddress", "mailingAddress", "districts"] as const;

/** Voter registration records of one organization, keyed by (state, state voter id). Never deleted. */
export class VoterRepository {
  readonly #db: Kysely<Database>;
  readonly #organizationId: string;

  /** @internal Created by `createPrecinct()`. */
  constructor(db: Kysely<Database>, organizationId: string) {
    this.#db = db;
    this.#organizationId = organizationId;
  }

  /** Inserts the voter or updates the stored one with the same state voter id; reports what changed. */
  async upsert(input: VoterInput): Promise<VoterUpsertResult> {
    const data = parseInput(VoterInput, input);
    const existing = await this.findByStateId(data.state, data.stateVoterId);
    const values = {
      state: data.state,
      stateVoterId: data.stateVoterId,
      countyVoterId: data.countyVoterId ?? null,
      county: data.county ?? null,
      status: data.status,
      statusReason: data.statusReason ?? null,
      registrationDate: data.registrationDate ?? null,
      party: data.party ?? null,
      birthYear: data.birthYear ?? (data.birthdate ? Number(data.birthdate.slice(0, 4)) : null),
      birthdate: data.birthdate ?? null,
      gender: data.gender ?? null,
      race: data.race ?? null,
      ethnicity: data.ethnicity ?? null,
      givenName: data.givenName ?? null,
      familyName: data.familyName ?? null,
      additionalName: data.additionalName ?? null,
      honorificSuffix: data.honorificSuffix ?? null,
      residentialAddress: data.residentialAddress ?? null,
      mailingAddress: data.mailingAddress ?? null,
      phone: data.phone ?? null,
      precinct: data.precinct ?? null,
      districts: data.districts,
    };
    const encoded = {
      ...values,
      ...voterKeys(values),
      residentialAddress: toJson(values.residentialAddress),
      mailingAddress: toJson(values.mailingAddress),
      districts: toJson(values.districts),
    };
    const stamp = now();
    if (!existing) {
      const id = newId();
      await this.#db
        .insertInto("voter")
        .values({
          ...encoded,
          id,
          organizationId: this.#organizationId,
          personId: null,
          removedAt: null,
          createdAt: stamp,
          updatedAt: stamp,
        })
        .execute();
      return { status: "inserted", voter: (await this.get(id))!, changedFields: [] };
    }
    const changedFields = Object.keys(values).filter(
      (key) =>
        JSON.stringify(values[key as keyof typeof values]) !== JSON.stringify(existing[key as keyof Voter]),
    );
    // A voter who reappears in a refresh is no longer removed.
    if (changedFields.length === 0 && existing.removedAt === null)
      return { status: "unchanged", voter: existing, changedFields };
    await this.#db
      .updateTable("voter")
      .set({ ...encoded, removedAt: null, updatedAt: stamp })
      .where("id", "=", existing.id)
      .execute();
    return {
      status: "updated",
      voter: (await this.get(existing.id))!,
      changedFields: existing.removedAt ? [...changedFields, "removedAt"] : changedFields,
    };
  }

  /** The voter with this id, or `null`. */
  async get(id: string): Promise<Voter | null> {
    const row = await this.#db
      .selectFrom("voter")
      .selectAll()
      .where("id", "=", id)
      .where("organizationId", "=", this.#organizationId)
      .executeTakeFirst();
    return row ? toVoter(row) : null;
  }

  /** The voter with this state voter id, or `null`. */
  async findByStateId(state: string, stateVoterId: string): Promise<Voter | null> {
    const row = await this.#db
      .selectFrom("voter")
      .selectAll()
      .where("organizationId", "=", this.#organizationId)
      .where("state", "=", state.toUpperCase())
      .where("stateVoterId", "=", stateVoterId)
      .executeTakeFirst();
    return row ? toVoter(row) : null;
  }

  /** Voters in a precinct, or all voters, in state voter id order. */
  async list(options: { precinct?: string; limit?: number; offset?: number } = {}): Promise<Voter[]> {
    let query = this.#db.selectFrom("voter").selectAll().where("organizationId", "=", this.#organizationId);
    if (options.precinct !== undefined) query = query.where("precinct", "=", options.precinct);
    const rows = await query
      .orderBy("state")
      .orderBy("stateVoterId")
      .limit(Math.min(options.limit ?? 100, 10_000))
      .offset(options.offset ?? 0)
      .execute();
    return rows.map(toVoter);
  }

  /** Number of voters. */
  async count(): Promise<number> {
    const row = await this.#db
      .selectFrom("voter")
      .select((eb) => eb.fn.countAll<number>().as("n"))
      .where("organizationId", "=", this.#organizationId)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /** Links the voter to a person of the same organization (or unlinks with `null`). */
  async link(voterId: string, personId: string | null): Promise<Voter> {
    if (personId !== null) {
      const person = await this.#db
        .selectFrom("person")
        .select("id")
        .where("id", "=", personId)
        .where("organizationId", "=", this.#organizationId)
        .executeTakeFirst();
      if (!person) throw new NotFoundError("Person", personId);
    }
    const result = await this.#db
      .updateTable("voter")
      .set({ personId, updatedAt: now() })
      .where("id", "=", voterId)
      .where("organizationId", "=", this.#organizationId)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) === 0) throw new NotFoundError("Voter", voterId);
    return (await this.get(voterId))!;
  }

  /** Marks a voter removed from the rolls (a full refresh no longer lists them). Voters are never deleted. */
  async markRemoved(voterId: string, at: Date = new Date()): Promise<Voter> {
    const result = await this.#db
      .updateTable("voter")
      .set({ removedAt: at.toISOString(), status: "removed", updatedAt: now() })
      .where("id", "=", voterId)
      .where("organizationId", "=", this.#organizationId)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) === 0) throw new NotFoundError("Voter", voterId);
    return (await this.get(voterId))!;
  }

  /** Finds or creates an election by date, type and jurisdiction. */
  async election(input: {
    date: string;
    type: z.input<typeof ElectionType>;
    name?: string | null;
    jurisdiction?: string | null;
  }): Promise<Election> {
    const data = parseInput(
      z
        .object({
          date: IsoDate,
          type: ElectionType,
          name: z.string().nullish(),
          jurisdiction: z.string().nullish(),
        })
        .strict(),
      input,
    );
    let query = this.#db
      .selectFrom("election")
      .selectAll()
      .where("organizationId", "=", this.#organizationId)
      .where("date", "=", data.date)
      .where("type", "=", data.type);
    query = data.jurisdiction
      ? query.where("jurisdiction", "=", data.jurisdiction)
      : query.where("jurisdiction", "is", null);
    const found = await query.executeTakeFirst();
    if (found) return Election.parse(found);
    const stamp = now();
    const row = {
      id: newId(),
      organizationId: this.#organizationId,
      date: data.date,
      type: data.type,
      name: data.name ?? null,
      jurisdiction: data.jurisdiction ?? null,
      createdAt: stamp,
      updatedAt: stamp,
    };
    await this.#db.insertInto("election").values(row).execute();
    return Election.parse(row);
  }

  /** Records that a voter voted in an election; a repeat of the same pair is ignored. */
  async recordVote(input: {
    voterId: string;
    electionId: string;
    method?: z.input<typeof VotingMethod>;
    party?: string | null;
  }): Promise<void> {
    const method = VotingMethod.parse(input.method ?? "unknown");
    if (!(await this.get(input.voterId))) throw new NotFoundError("Voter", input.voterId);
    const election = await this.#db
      .selectFrom("election")
      .select("id")
      .where("id", "=", input.electionId)
      .where("organizationId", "=", this.#organizationId)
      .executeTakeFirst();
    if (!election) throw new NotFoundError("Election", input.electionId);
    await this.#db
      .insertInto("voteHistory")
      .values({
        organizationId: this.#organizationId,
        voterId: input.voterId,
        electionId: input.electionId,
        method,
        party: input.party ?? null,
      })
      .onConflict((oc) => oc.columns(["voterId", "electionId"]).doNothing())
      .execute();
  }

  /** A voter's vote history with the elections, newest first. */
  async history(voterId: string): Promise<(VoteRecord & { election: Election })[]> {
    const rows = await this.#db
      .selectFrom("voteHistory")
      .innerJoin("election", "election.id", "voteHistory.electionId")
      .selectAll("election")
      .select(["voteHistory.voterId", "voteHistory.method", "voteHistory.party as ballotParty"])
      .where("voteHistory.voterId", "=", voterId)
      .where("voteHistory.organizationId", "=", this.#organizationId)
      .orderBy("election.date", "desc")
      .execute();
    return rows.map((row) => ({
      organizationId: row.organizationId,
      voterId: row.voterId,
      electionId: row.id,
      method: row.method as VoteRecord["method"],
      party: row.ballotParty,
      election: Election.parse({ ...row, ballotParty: undefined, voterId: undefined, method: undefined }),
    }));
  }
}

function toVoter(row: Selectable<VoterTable>): Voter {
  const data: Record<string, unknown> = { ...row };
  for (const key of JSON_FIELDS) data[key] = fromJson(row[key], key === "districts" ? {} : null);
  return Voter.parse(data);
}
