/**
 * Matching people (sign-up sheets, CRM exports, stored people) to voters: deterministic rules first, then a
 * frequency- and household-aware probabilistic score; auto-links above a threshold, a review queue between
 * thresholds.
 *
 * @module
 */

export {
  DEFAULT_AUTO_LINK_AT,
  DEFAULT_REVIEW_AT,
  type Decision,
  decide,
  type MatchCandidate,
  type MatchDecision,
  type MatchThresholds,
} from "./decide.js";
export { type MatchPeopleOptions, type MatchSummary, matchPeople } from "./match-people.js";
export { type MatchFileSummary, type MatchPeopleFileOptions, matchPeopleFile } from "./match-people-file.js";
export { type MatchRecordsOptions, type MatchResult, matchRecords } from "./match-records.js";
export type { MatcherOptions } from "./matcher.js";
export {
  columnOfField,
  mapPeopleColumns,
  PEOPLE_COLUMN_NAMES,
  type PeopleColumn,
  type PeopleColumnMap,
  type PeopleRowError,
  type PeopleRowOptions,
  peopleRowToInput,
} from "./people-csv.js";
export { DEFAULT_VOTER_ID_SYSTEMS, type PersonLike } from "./person-like.js";
export {
  confirmMatch,
  type ReviewCandidate,
  type ReviewItem,
  type ReviewQueueOptions,
  rejectMatch,
  reviewQueue,
} from "./review-queue.js";
export {
  type CandidateScore,
  type MatchRuleName,
  type ScoreOptions,
  scoreCandidate,
  type VoterLike,
} from "./score.js";
export { editDistance, isLikelyTypo, jaroWinkler } from "./similarity.js";
export { loadMatchStats, type MatchStats } from "./stats.js";
export type { StreetParts } from "./street.js";
export {
  type MatchSubject,
  type MatchVoter,
  type PrepareOptions,
  prepareSubject,
  type SubjectAddress,
  toMatchVoter,
} from "./subject.js";
