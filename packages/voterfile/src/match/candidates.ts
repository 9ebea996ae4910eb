/**
 * Candidate retrieval ("blocking"): the few voters worth scoring for each person, found with indexed
 * lookups only, in three stages of growing cost. A person whose candidates already decide a link skips the
 * later stages.
 *
 * 1. **Located** — voters with the person's state voter id (`voter_state_id_uq`), phone
 *    (`voter_phone_idx`), or last name and a compatible first name (the name, a nickname, the middle name)
 *    in the person's ZIP (`voter_zip_idx`). Transposed names are looked up the same way.
 * 2. **Named** — voters anywhere with a compatible first and last name (`voter_name_idx`), within a year of
 *    the person's birth year: how people who moved are found. Without a birth year, names too common to
 *    tell apart are skipped.
 * 3. **Fuzzy** — in the person's ZIP, first names one typo away (or an initial) under the person's last
 *    name, and last names one typo away, both read from `voter_zip_idx` and compared in memory; anywhere,
 *    every voter with a rare last name.
 *
 * Statements: per person, one to three indexed lookups a stage; ids and phones in one `IN` list per chunk.
 * Lookups for one person stop at 300 rows (the result's notes say so when that happens).
 *
 * @module
 */

import type { Precinct } from "@precinct/core";
import { isLikelyTypo } from "./similarity.js";
import type { MatchStats } from "./stats.js";
import { type MatchSubject, type MatchVoter, nicknamesOf } from "./subject.js";

/** The columns read for a candidate. */
const COLUMNS = [
  "id",
  "state",
  "stateVoterId",
  "personId",
  "givenName",
  "familyName",
  "additionalName",
  "honorificSuffix",
  "givenKey",
  "familyKey",
  "birthYear",
  "birthdate",
  "zip5",
  "streetKey",
  "phone",
  "removedAt",
] as const;

/** The most rows one lookup returns for one person. */
const ROW_LIMIT = 300;
/** Without a birth year, a name lookup expected to return more voters than this is skipped. */
const NAME_BLOCK_LIMIT = 40;
/** A last name held by at most this many voters is rare: all of them are candidates in stage 3. */
const RARE_FAMILY = 25;
/** The most values in one `IN` list. */
const IN_LIMIT = 500;
/** ZIPs whose last names are kept in memory for typo search. */
const ZIP_CACHE = 2_000;

/** Options of a `CandidateSearch`. */
export interface CandidateSearchOptions {
  /** Only voters registered in this state. */
  state?: string;
  /** Lookups in flight at once (PostgreSQL runs them in parallel). Default 8. */
  concurrency?: number;
}

/** The stages of `CandidateSearch`, in order. */
export type SearchStage = "located" | "named" | "fuzzy";

/** @internal Finds candidate voters for prepared subjects in one organization's voter table. */
export class CandidateSearch {
  readonly #precinct: Precinct;
  readonly #stats: MatchStats;
  readonly #state: string | undefined;
  readonly #concurrency: number;
  readonly #zipFamilies = new Map<string, readonly string[]>();

  constructor(precinct: Precinct, stats: MatchStats, options: CandidateSearchOptions = {}) {
    this.#precinct = precinct;
    this.#stats = stats;
    this.#state = options.state?.toUpperCase();
    this.#concurrency = Math.max(1, options.concurrency ?? 8);
  }

  /**
   * Runs one stage for each subject.
   *
   * @returns Per subject (same order), the voters found and notes on lookups that were skipped.
   */
  async search(stage: SearchStage, subjects: readonly MatchSubject[]): Promise<StageResult[]> {
    const results = subjects.map((): StageResult => ({ voters: [], notes: [] }));
    if (stage === "located") {
      await this.#byStateVoterId(subjects, results);
      await this.#byPhone(subjects, results);
      await this.#each(subjects, async (subject, index) => {
        const { voters, notes } = results[index]!;
        for (const zip of zipsOf(subject))
          voters.push(...(await this.#inZip(subject, zip, null, null, notes)));
      });
    } else if (stage === "named") {
      await this.#each(subjects, async (subject, index) => {
        results[index]!.voters.push(...(await this.#byName(subject, results[index]!.notes)));
      });
    } else {
      await this.#loadZipFamilies(subjects.flatMap(zipsOf));
      await this.#each(subjects, async (subject, index) => {
        const { voters, notes } = results[index]!;
        if (subject.familyKey === null) return;
        for (const zip of zipsOf(subject)) {
          // First names in the ZIP under the person's last names, compared in memory: a misspelled first
          // name, a misspelled nickname, an initial.
          const families = transposedFamilyKeysOf(subject);
          const givens = (await this.#givenNamesIn(zip, families)).filter((key) =>
            isSimilarGiven(subject, key),
          );
          if (givens.length > 0) voters.push(...(await this.#inZip(subject, zip, families, givens, notes)));
          // Last names in the ZIP one typo away, compared in memory the same way.
          const similar = (this.#zipFamilies.get(zip) ?? []).filter((key) => isSimilarFamily(subject, key));
          if (similar.length > 0) voters.push(...(await this.#inZip(subject, zip, similar, null, notes)));
        }
        const rare = familyKeysOf(subject).filter(
          (key) => (this.#stats.familyCounts.get(key) ?? 1) <= RARE_FAMILY,
        );
        if (rare.length > 0)
          voters.push(...(await this.#query((q) => q.where("familyKey", "in", rare), notes)));
      });
    }
    return results;
  }

  /** Voters whose state voter id a subject carries. */
  async #byStateVoterId(subjects: readonly MatchSubject[], results: StageResult[]): Promise<void> {
    const wanted = new Map<string, Set<string>>();
    for (const subject of subjects) {
      for (const { state, id } of subject.stateVoterIds) {
        if (this.#state !== undefined && state !== this.#state) continue;
        if (!wanted.has(state)) wanted.set(state, new Set());
        wanted.get(state)!.add(id);
      }
    }
    const found = new Map<string, MatchVoter>();
    for (const [state, ids] of wanted) {
      for (const slice of slices([...ids])) {
        const rows = await this.#query((q) =>
          q.where("state", "=", state).where("stateVoterId", "in", slice),
        );
        for (const row of rows) found.set(`${row.state}:${row.stateVoterId.toUpperCase()}`, row);
      }
    }
    subjects.forEach((subject, index) => {
      for (const { state, id } of subject.stateVoterIds) {
        const voter = found.get(`${state}:${id}`);
        if (voter !== undefined) results[index]!.voters.push(voter);
      }
    });
  }

  /** Voters with a subject's phone number. */
  async #byPhone(subjects: readonly MatchSubject[], results: StageResult[]): Promise<void> {
    const phones = [...new Set(subjects.flatMap((subject) => subject.phones))];
    const byPhone = new Map<string, MatchVoter[]>();
    for (const slice of slices(phones)) {
      for (const row of await this.#query((q) => q.where("phone", "in", slice))) {
        const list = byPhone.get(row.phone!) ?? [];
        list.push(row);
        byPhone.set(row.phone!, list);
      }
    }
    subjects.forEach((subject, index) => {
      for (const phone of subject.phones)
        results[index]!.voters.push(...(byPhone.get(phone) ?? []).slice(0, ROW_LIMIT));
    });
  }

  /**
   * Voters in `zip` with one of `families` (default: the subject's last names, and its first name for
   * transposed names) and one of `givens` (default: the subject's first name, its nicknames, its middle name,
   * and its last name's for transposed names).
   */
  async #inZip(
    subject: MatchSubject,
    zip: string,
    families: readonly string[] | null,
    givens: readonly string[] | null,
    notes: string[],
  ): Promise<MatchVoter[]> {
    const familyKeys = families ?? transposedFamilyKeysOf(subject);
    const givenKeys = givens ?? [
      ...subject.givenGroup,
      ...subject.familyAsGivenGroup,
      ...(subject.middleKey ? [subject.middleKey] : []),
    ];
    if (familyKeys.length === 0 || givenKeys.length === 0) return [];
    return this.#query(
      (q) =>
        q
          .where("zip5", "=", zip)
          .where("familyKey", "in", [...new Set(familyKeys)])
          .where("givenKey", "in", [...new Set(givenKeys)]),
      notes,
    );
  }

  /** The distinct first-name keys of voters in `zip` with one of `families`. */
  async #givenNamesIn(zip: string, families: readonly string[]): Promise<string[]> {
    if (families.length === 0) return [];
    let query = this.#precinct.storage.db
      .selectFrom("voter")
      .select("givenKey")
      .distinct()
      .where("organizationId", "=", this.#precinct.organization.id)
      .where("zip5", "=", zip)
      .where("familyKey", "in", families);
    if (this.#state !== undefined) query = query.where("state", "=", this.#state);
    const rows = await query.limit(ROW_LIMIT).execute();
    return rows.map((row) => row.givenKey).filter((key): key is string => key !== null);
  }

  /** Voters anywhere with a compatible first and last name, straight and transposed. */
  async #byName(subject: MatchSubject, notes: string[]): Promise<MatchVoter[]> {
    if (subject.givenKey === null || subject.familyKey === null) return [];
    const year = subject.birthYear;
    const lookups: { families: string[]; givens: string[] }[] = [
      {
        families: familyKeysOf(subject),
        givens: [...new Set([...subject.givenGroup, ...(subject.middleKey ? [subject.middleKey] : [])])],
      },
      { families: [subject.givenKey], givens: [...subject.familyAsGivenGroup] },
    ];
    const found: MatchVoter[] = [];
    for (const { families, givens } of lookups) {
      if (year === null) {
        // Without a birth year, "James Smith" would bring hundreds of voters that nothing can tell apart.
        const expected = this.#expectedNamesakes(families, givens);
        if (expected > NAME_BLOCK_LIMIT) {
          if (found.length === 0 && notes.length === 0) {
            notes.push(
              `name too common to search without an address or birth year (~${Math.round(expected)} voters)`,
            );
          }
          continue;
        }
      }
      found.push(
        ...(await this.#query((q) => {
          let query = q.where("familyKey", "in", families).where("givenKey", "in", givens);
          if (year !== null) {
            query = query.where((eb) =>
              eb.or([eb.between("birthYear", year - 1, year + 1), eb("birthYear", "is", null)]),
            );
          }
          return query;
        }, notes)),
      );
    }
    return found;
  }

  /** Expected voters with one of these last names and one of these first names, from the frequencies. */
  #expectedNamesakes(families: readonly string[], givens: readonly string[]): number {
    const voters = Math.max(1, this.#stats.voters);
    let family = 0;
    for (const key of families) family += this.#stats.familyCounts.get(key) ?? 1;
    let given = 0;
    for (const key of givens) given += this.#stats.givenCounts.get(key) ?? 1;
    return (family * given) / voters;
  }

  /** Reads the distinct last names of ZIPs not in memory yet (an index-only scan of `voter_zip_idx`). */
  async #loadZipFamilies(zips: readonly string[]): Promise<void> {
    const missing = [...new Set(zips)].filter((zip) => !this.#zipFamilies.has(zip));
    for (const slice of slices(missing)) {
      const rows = await this.#precinct.storage.db
        .selectFrom("voter")
        .select(["zip5", "familyKey"])
        .distinct()
        .where("organizationId", "=", this.#precinct.organization.id)
        .where("zip5", "in", slice)
        .where("familyKey", "is not", null)
        .execute();
      const byZip = new Map<string, string[]>(slice.map((zip) => [zip, []]));
      for (const row of rows) byZip.get(row.zip5!)?.push(row.familyKey!);
      for (const [zip, families] of byZip) {
        if (this.#zipFamilies.size >= ZIP_CACHE)
          this.#zipFamilies.delete(this.#zipFamilies.keys().next().value!);
        this.#zipFamilies.set(zip, families);
      }
    }
  }

  /**
   * One lookup in the organization's (and state's) voters. A lookup for one person (`notes` given) reads
   * at most {@link ROW_LIMIT} rows and says so in `notes` when it hits the cap; a batched lookup reads all
   * (its `IN` list bounds it, and a cut would make one person's candidates depend on who else is in the
   * chunk).
   */
  async #query(where: (query: VoterQuery) => VoterQuery, notes?: string[]): Promise<MatchVoter[]> {
    let query = this.#precinct.storage.db
      .selectFrom("voter")
      .select(COLUMNS)
      .where("organizationId", "=", this.#precinct.organization.id);
    if (this.#state !== undefined) query = query.where("state", "=", this.#state);
    const rows = await (notes === undefined ? where(query) : where(query).limit(ROW_LIMIT)).execute();
    if (notes !== undefined && rows.length === ROW_LIMIT) {
      notes.push(`a candidate lookup stopped at ${ROW_LIMIT} voters; some voters were not compared`);
    }
    return rows.map((row) => ({
      ...row,
      birthYear: row.birthYear === null ? null : Number(row.birthYear),
    }));
  }

  /** Runs `task` for every subject, `concurrency` at a time. */
  async #each(
    subjects: readonly MatchSubject[],
    task: (subject: MatchSubject, index: number) => Promise<void>,
  ) {
    let next = 0;
    const worker = async () => {
      while (next < subjects.length) {
        const index = next++;
        await task(subjects[index]!, index);
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.#concurrency, subjects.length) }, worker));
  }
}

/** The voters one stage found for one subject. */
export interface StageResult {
  /** Voters found; one voter may appear more than once. */
  voters: MatchVoter[];
  /** Lookups skipped and why. */
  notes: string[];
}

type VoterQuery = ReturnType<typeof baseQuery>;

/** Only for the type of a voter lookup under construction. */
function baseQuery(precinct: Precinct) {
  return precinct.storage.db.selectFrom("voter").select(COLUMNS);
}

/** The subject's ZIPs. */
function zipsOf(subject: MatchSubject): string[] {
  return [
    ...new Set(subject.addresses.map((address) => address.zip5).filter((zip): zip is string => zip !== null)),
  ];
}

/** The last-name keys to look up: the whole name and its parts (`smithjones`, `smith`, `jones`). */
function familyKeysOf(subject: MatchSubject): string[] {
  return subject.familyKey === null ? [] : [...new Set([subject.familyKey, ...subject.familyParts])];
}

/** The last-name keys to look up with transposed names too: the last names and the first name. */
function transposedFamilyKeysOf(subject: MatchSubject): string[] {
  return [...new Set([...familyKeysOf(subject), ...(subject.givenKey === null ? [] : [subject.givenKey])])];
}

/**
 * A first name in the person's ZIP and family worth a look: a typo or an initial of the person's first name
 * or one of its nicknames, of a nickname of the voter's name ("Jimy" for JAMES), or of the person's last
 * name (transposed names).
 */
function isSimilarGiven(subject: MatchSubject, key: string): boolean {
  if (subject.givenGroup.has(key) || subject.familyAsGivenGroup.has(key)) return false;
  for (const name of [subject.givenKey, subject.familyKey]) {
    if (name === null) continue;
    if ((name.length === 1 || key.length === 1) && name[0] === key[0]) return true;
    if (isLikelyTypo(name, key) || nicknamesOf(key).some((nickname) => isLikelyTypo(name, nickname)))
      return true;
  }
  for (const name of subject.givenGroup) if (isLikelyTypo(name, key)) return true;
  return false;
}

/** A ZIP's last name worth a look for the subject: one typo away (straight or transposed), or sharing a part. */
function isSimilarFamily(subject: MatchSubject, key: string): boolean {
  const family = subject.familyKey!;
  if (key === family || key === subject.givenKey || subject.familyParts.includes(key)) return false;
  if (isLikelyTypo(family, key) || (subject.givenKey !== null && isLikelyTypo(subject.givenKey, key)))
    return true;
  // "Smith" against SMITH-JONES, "Smith-Jones" against JONES-SMITH: keys have no hyphens left, so look for
  // the name or one of its parts at the start or end of the key.
  return [family, ...subject.familyParts].some(
    (part) =>
      part.length >= 4 && key.length > part.length + 2 && (key.startsWith(part) || key.endsWith(part)),
  );
}

/** Splits a list for `IN`. */
function slices<T>(values: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let start = 0; start < values.length; start += IN_LIMIT)
    out.push(values.slice(start, start + IN_LIMIT));
  return out;
}
