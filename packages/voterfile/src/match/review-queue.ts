/**
 * The review queue: person↔voter pairs {@link matchPeople} was not sure enough to link, and the two
 * decisions a person can make on them.
 *
 * @module
 */

import { NotFoundError, type Person, type Precinct, PrecinctError, type Voter } from "@precinct/core";

/** One candidate voter of a person waiting for review. */
export interface ReviewCandidate {
  /** The voter. */
  voter: Voter;
  /** The pair's score. */
  score: number;
  /** The rule that scored it. */
  rule: string;
  /** What was compared (see {@link CandidateScore.reasons}). */
  reasons: string[];
  /** When matching first proposed the pair. */
  createdAt: string;
}

/** A person waiting for review, with every pending candidate, best first. */
export interface ReviewItem {
  /** The person. */
  person: Person;
  /** The pending candidates, best first. */
  candidates: ReviewCandidate[];
}

/** Options of {@link reviewQueue}. */
export interface ReviewQueueOptions {
  /** People per page. Default 50, at most 500. */
  limit?: number;
  /** People to skip. Default 0. */
  offset?: number;
}

/**
 * The people waiting for review, most promising first (highest best score), each with all their pending
 * candidates.
 *
 * @param precinct - The client; only its organization's queue is read.
 * @param options - `limit` (default 50, at most 500) and `offset`.
 * @returns A page of the queue.
 */
export async function reviewQueue(
  precinct: Precinct,
  options: ReviewQueueOptions = {},
): Promise<ReviewItem[]> {
  const db = precinct.storage.db;
  const org = precinct.organization.id;
  const limit = Math.min(Math.max(1, options.limit ?? 50), 500);
  const people = await db
    .selectFrom("voterMatch")
    .select(["personId", (eb) => eb.fn.max("score").as("top")])
    .where("organizationId", "=", org)
    .where("status", "=", "review")
    .groupBy("personId")
    .orderBy("top", "desc")
    .orderBy("personId")
    .limit(limit)
    .offset(Math.max(0, options.offset ?? 0))
    .execute();
  if (people.length === 0) return [];
  const rows = await db
    .selectFrom("voterMatch")
    .selectAll()
    .where("organizationId", "=", org)
    .where("status", "=", "review")
    .where(
      "personId",
      "in",
      people.map((row) => row.personId),
    )
    .orderBy("score", "desc")
    .orderBy("voterId")
    .execute();
  const items: ReviewItem[] = [];
  for (const { personId } of people) {
    const person = await precinct.people.get(personId);
    if (person === null) continue;
    const candidates: ReviewCandidate[] = [];
    for (const row of rows.filter((match) => match.personId === personId)) {
      const voter = await precinct.voters.get(row.voterId);
      if (voter === null) continue;
      candidates.push({
        voter,
        score: Number(row.score),
        rule: row.rule,
        reasons: parseReasons(row.reasons),
        createdAt: row.createdAt,
      });
    }
    items.push({ person, candidates });
  }
  return items;
}

/**
 * Confirms that `voterId` is `personId`: links them, records the pair as `linked` (decided now) and
 * rejects the person's other pending candidates, so they leave the queue for good.
 *
 * @param precinct - The client.
 * @param personId - The person.
 * @param voterId - The voter.
 * @returns The voter, now linked.
 * @throws `NotFoundError` when either is not in the organization; `PrecinctError` `conflict` when the voter
 *   is linked to another person (reject that pair first).
 */
export async function confirmMatch(precinct: Precinct, personId: string, voterId: string): Promise<Voter> {
  const voter = await requirePair(precinct, personId, voterId);
  if (voter.personId !== null && voter.personId !== personId) {
    throw new PrecinctError({
      code: "conflict",
      message: `Voter ${voterId} is linked to person ${voter.personId}; reject that match before confirming another.`,
      details: { personId, voterId, linkedPersonId: voter.personId },
    });
  }
  const linked = await precinct.voters.link(voterId, personId);
  const stamp = new Date().toISOString();
  await decidePair(precinct, personId, voterId, "linked", stamp);
  await precinct.storage.db
    .updateTable("voterMatch")
    .set({ status: "rejected", decidedAt: stamp })
    .where("organizationId", "=", precinct.organization.id)
    .where("personId", "=", personId)
    .where("voterId", "!=", voterId)
    .where("status", "=", "review")
    .execute();
  return linked;
}

/**
 * Rejects the pair: it is recorded as `rejected` and never proposed again; if the voter was linked to the
 * person, the link is removed.
 *
 * @param precinct - The client.
 * @param personId - The person.
 * @param voterId - The voter.
 * @throws `NotFoundError` when either is not in the organization.
 */
export async function rejectMatch(precinct: Precinct, personId: string, voterId: string): Promise<void> {
  const voter = await requirePair(precinct, personId, voterId);
  await decidePair(precinct, personId, voterId, "rejected", new Date().toISOString());
  if (voter.personId === personId) await precinct.voters.link(voterId, null);
}

async function requirePair(precinct: Precinct, personId: string, voterId: string): Promise<Voter> {
  const person = await precinct.people.get(personId);
  if (person === null) throw new NotFoundError("Person", personId);
  const voter = await precinct.voters.get(voterId);
  if (voter === null) throw new NotFoundError("Voter", voterId);
  return voter;
}

/** Sets a pair's status, creating a `manual` row when matching never proposed it. */
async function decidePair(
  precinct: Precinct,
  personId: string,
  voterId: string,
  status: "linked" | "rejected",
  stamp: string,
): Promise<void> {
  await precinct.storage.db
    .insertInto("voterMatch")
    .values({
      organizationId: precinct.organization.id,
      personId,
      voterId,
      score: status === "linked" ? 1 : 0,
      rule: "manual",
      status,
      reasons: JSON.stringify([`manual:${status === "linked" ? "confirmed" : "rejected"}`]),
      createdAt: stamp,
      decidedAt: stamp,
    })
    .onConflict((oc) => oc.columns(["personId", "voterId"]).doUpdateSet({ status, decidedAt: stamp }))
    .execute();
}

function parseReasons(value: unknown): string[] {
  const parsed = typeof value === "string" ? (JSON.parse(value) as unknown) : value;
  return Array.isArray(parsed) ? parsed.map(String) : [];
}
