/**
 * Matching stored people to voters: links the sure matches, queues the likely ones for review, and
 * remembers every decision in `voter_match` so a re-run changes nothing a person decided.
 *
 * @module
 */

import type { Precinct } from "@precinct/core";
import type { MatchCandidate } from "./decide.js";
import { Matcher, type MatcherOptions } from "./matcher.js";
import type { PersonLike } from "./person-like.js";
import { type MatchSubject, type PrepareOptions, prepareSubject } from "./subject.js";

/** Options of {@link matchPeople}. */
export interface MatchPeopleOptions extends MatcherOptions, Omit<PrepareOptions, "defaultCountry"> {
  /**
   * The people to match. Default: every person of the organization not linked to a voter yet (people
   * with pending reviews included: their candidates are scored again).
   */
  personIds?: readonly string[];
}

/** What {@link matchPeople} did. */
export interface MatchSummary {
  /** People considered. */
  people: number;
  /** People linked to a voter by this run. */
  linked: number;
  /** People with candidates waiting in the review queue. */
  review: number;
  /** People with no candidate good enough to review. */
  unmatched: number;
  /** People already linked to a voter, left as they were. */
  alreadyLinked: number;
}

/**
 * Matches stored people to the organization's voters and records the outcome:
 *
 * - **linked** — the voter is linked to the person (`voters.link`) and the pair is stored in `voter_match`
 *   with status `linked`; the person's other pending candidates leave the queue.
 * - **review** — the candidates scoring `reviewAt` or more are stored with status `review`, for
 *   {@link reviewQueue}, {@link confirmMatch} and {@link rejectMatch}. A best candidate already linked to
 *   another person always goes to review.
 * - **unmatched** — nothing is stored (stale pending candidates of the person are removed).
 *
 * Idempotent: a person already linked keeps the link and counts as `alreadyLinked`; a rejected pair is
 * never proposed again; a second run over the same data stores the same rows.
 *
 * @param precinct - The client; its organization's people and voters are matched.
 * @param options - `personIds`, thresholds (`autoLinkAt` 0.9, `reviewAt` 0.7), `state`, `stats`, ...
 * @returns Counts of what happened.
 * @throws `InvalidInputError` when the thresholds are out of range.
 */
export async function matchPeople(
  precinct: Precinct,
  options: MatchPeopleOptions = {},
): Promise<MatchSummary> {
  const matcher = new Matcher(precinct, options);
  const summary: MatchSummary = { people: 0, linked: 0, review: 0, unmatched: 0, alreadyLinked: 0 };
  // Voters this run linked, so two records of one person in the list do not take the voter from each other.
  const claimed = new Map<string, string>();
  for await (const ids of personIdChunks(precinct, options.personIds, matcher.chunkSize)) {
    await matchChunk(precinct, matcher, ids, options, summary, claimed);
  }
  return summary;
}

async function matchChunk(
  precinct: Precinct,
  matcher: Matcher,
  ids: readonly string[],
  options: MatchPeopleOptions,
  summary: MatchSummary,
  claimed: Map<string, string>,
): Promise<void> {
  const db = precinct.storage.db;
  const org = precinct.organization.id;
  const people = await loadPeople(precinct, ids);
  const linkedRows = await db
    .selectFrom("voter")
    .select("personId")
    .distinct()
    .where("organizationId", "=", org)
    .where("personId", "in", ids)
    .execute();
  const linked = new Set(linkedRows.map((row) => row.personId));
  const rejectedRows = await db
    .selectFrom("voterMatch")
    .select(["personId", "voterId"])
    .where("organizationId", "=", org)
    .where("personId", "in", ids)
    .where("status", "=", "rejected")
    .execute();
  const rejected = new Map<string, Set<string>>();
  for (const row of rejectedRows) {
    if (!rejected.has(row.personId)) rejected.set(row.personId, new Set());
    rejected.get(row.personId)!.add(row.voterId);
  }

  const todo: { id: string; subject: MatchSubject }[] = [];
  for (const id of ids) {
    const person = people.get(id);
    if (person === undefined) continue;
    summary.people++;
    if (linked.has(id)) summary.alreadyLinked++;
    else todo.push({ id, subject: prepareSubject(person, { ...options, defaultCountry: "US" }) });
  }
  const matches = await matcher.match(
    todo.map((entry) => entry.subject),
    todo.map((entry) => rejected.get(entry.id)),
  );
  const { reviewAt } = matcher.thresholds;
  for (const [index, match] of matches.entries()) {
    const personId = todo[index]!.id;
    const best = match.best;
    const owner = best === null ? null : (claimed.get(best.voterId) ?? best.personId);
    const takenByOther = owner !== null && owner !== personId;
    if (match.decision === "linked" && best !== null && !takenByOther) {
      await precinct.voters.link(best.voterId, personId);
      claimed.set(best.voterId, personId);
      await saveCandidates(precinct, personId, [best], "linked");
      summary.linked++;
    } else if (best !== null && (match.decision === "review" || match.decision === "linked")) {
      const queued = match.candidates.filter(
        (candidate) => candidate.score >= reviewAt || candidate === best,
      );
      await saveCandidates(precinct, personId, queued, "review");
      summary.review++;
    } else {
      await saveCandidates(precinct, personId, [], "review");
      summary.unmatched++;
    }
  }
}

/**
 * Stores a person's candidates with `status` and removes the person's other pending (`review`) rows, so
 * the queue shows what the latest run found. Rows a person decided (`linked`, `rejected`) are kept.
 */
async function saveCandidates(
  precinct: Precinct,
  personId: string,
  candidates: readonly MatchCandidate[],
  status: "linked" | "review",
): Promise<void> {
  const db = precinct.storage.db;
  const org = precinct.organization.id;
  const stamp = new Date().toISOString();
  let stale = db
    .deleteFrom("voterMatch")
    .where("organizationId", "=", org)
    .where("personId", "=", personId)
    .where("status", "=", "review");
  if (candidates.length > 0) {
    stale = stale.where(
      "voterId",
      "not in",
      candidates.map((candidate) => candidate.voterId),
    );
  }
  await stale.execute();
  for (const candidate of candidates) {
    const values = {
      score: candidate.score,
      rule: candidate.rule,
      status,
      reasons: JSON.stringify(candidate.reasons),
      decidedAt: status === "linked" ? stamp : null,
    };
    await db
      .insertInto("voterMatch")
      .values({ organizationId: org, personId, voterId: candidate.voterId, createdAt: stamp, ...values })
      .onConflict((oc) => oc.columns(["personId", "voterId"]).doUpdateSet(values))
      .execute();
  }
}

/** Person ids to match, in chunks: the given ones, or every person without a linked voter. */
async function* personIdChunks(
  precinct: Precinct,
  personIds: readonly string[] | undefined,
  size: number,
): AsyncGenerator<string[]> {
  if (personIds !== undefined) {
    const unique = [...new Set(personIds)];
    for (let start = 0; start < unique.length; start += size) yield unique.slice(start, start + size);
    return;
  }
  const db = precinct.storage.db;
  const org = precinct.organization.id;
  let after = "";
  for (;;) {
    const rows = await db
      .selectFrom("person")
      .select("id")
      .where("organizationId", "=", org)
      .where("id", ">", after)
      .where(({ not, exists, selectFrom }) =>
        not(
          exists(
            selectFrom("voter")
              .select("voter.id")
              .whereRef("voter.personId", "=", "person.id")
              .where("voter.organizationId", "=", org),
          ),
        ),
      )
      .orderBy("id")
      .limit(size)
      .execute();
    if (rows.length === 0) return;
    yield rows.map((row) => row.id);
    after = rows.at(-1)!.id;
  }
}

/** Reads people with their phones, addresses and identifiers, in a few batched queries. */
async function loadPeople(precinct: Precinct, ids: readonly string[]): Promise<Map<string, PersonLike>> {
  const db = precinct.storage.db;
  const org = precinct.organization.id;
  const people = new Map<
    string,
    PersonLike & {
      phones: string[];
      addresses: NonNullable<PersonLike["addresses"]>[number][];
      identifiers: string[];
    }
  >();
  if (ids.length === 0) return people;
  const rows = await db
    .selectFrom("person")
    .select(["id", "givenName", "familyName", "additionalName", "honorificSuffix", "birthdate", "birthYear"])
    .where("organizationId", "=", org)
    .where("id", "in", ids)
    .execute();
  for (const row of rows) {
    people.set(row.id, {
      givenName: row.givenName,
      familyName: row.familyName,
      additionalName: row.additionalName,
      honorificSuffix: row.honorificSuffix,
      birthdate: row.birthdate,
      birthYear: row.birthYear === null ? null : Number(row.birthYear),
      phones: [],
      addresses: [],
      identifiers: [],
    });
  }
  const found = [...people.keys()];
  if (found.length === 0) return people;
  const [phones, addresses, identifiers] = await Promise.all([
    db
      .selectFrom("personPhone")
      .select(["personId", "number"])
      .where("personId", "in", found)
      .orderBy("position")
      .execute(),
    db
      .selectFrom("personAddress")
      .select(["personId", "addressLines", "locality", "region", "postalCode", "country"])
      .where("personId", "in", found)
      .orderBy("position")
      .execute(),
    db
      .selectFrom("personIdentifier")
      .select(["personId", "system", "value"])
      .where("personId", "in", found)
      .execute(),
  ]);
  for (const phone of phones) people.get(phone.personId)?.phones.push(phone.number);
  for (const address of addresses) {
    if (address.country !== "US") continue;
    const lines = address.addressLines;
    people.get(address.personId)?.addresses.push({
      addressLines:
        typeof lines === "string" ? (JSON.parse(lines) as string[]) : ((lines as string[] | null) ?? []),
      locality: address.locality,
      region: address.region,
      postalCode: address.postalCode,
    });
  }
  for (const identifier of identifiers) {
    people.get(identifier.personId)?.identifiers.push(`${identifier.system}:${identifier.value}`);
  }
  return people;
}
