/**
 * The synthetic voter-file generator: populations of made-up voters computed on demand from a seed,
 * writers for every voter-file layout Precinct reads (with noise and its truth), weekly refreshes, and
 * sign-up-sheet people for matching tests. No real voter data, ever.
 *
 * @module
 */

export {
  electionCalendar,
  type SyntheticElection,
  type SyntheticElectionType,
} from "./elections.js";
export type { VoterFileEncoding } from "./file-sink.js";
export {
  CA_ELECTION_TYPE_CODES,
  CA_METHOD_CODES,
  CA_STATUS_CODES,
  CA_VPH_FILE_COLUMNS,
  CA_VRD_FILE_COLUMNS,
} from "./formats/ca.js";
export { NC_STATUS_CODES, type VoterFileLayoutId } from "./formats/format.js";
export { VOTER_FILE_LAYOUTS } from "./formats/index.js";
export {
  displayCase,
  MAPPED_STATUS_WORDS,
  MAPPED_VOTER_FILE_HEADERS,
  type MappedVoterFileColumns,
  type MappedVoterFileMapping,
  mappedVoterFileMapping,
} from "./formats/mapped.js";
export { NC_HISTORY_FILE_COLUMNS, NC_METHOD_LABELS, NC_VOTER_FILE_COLUMNS } from "./formats/nc.js";
export { OH_FILE_COLUMNS, OH_STATUS_CODES } from "./formats/oh.js";
export { waFileColumns } from "./formats/wa.js";
export type {
  SyntheticAddress,
  SyntheticCounty,
  SyntheticDistricts,
  SyntheticMailingAddress,
  SyntheticPrecinct,
} from "./geography.js";
export { nicknamesOf, stripAccents, typo } from "./names.js";
export type { AlteredRow, BadRow, BadRowKind, VoterFileNoise } from "./noise.js";
export {
  type GeneratePeopleOptions,
  generatePeople,
  type PeopleNoise,
  type PersonNoiseKind,
  type PersonTruth,
  type SyntheticPerson,
} from "./people.js";
export { PEOPLE_CSV_HEADER, type PeopleCsvSummary, writePeopleCsv } from "./people-csv.js";
export {
  createSyntheticPopulation,
  type SyntheticLineType,
  type SyntheticPopulation,
  type SyntheticPopulationOptions,
  type SyntheticVote,
  type SyntheticVoter,
} from "./population.js";
export { hash3, Rng, rngFor, uniform } from "./random.js";
export { nextWeek, type WeeklyChangeOptions, type WeeklyChanges, type WeeklyRefresh } from "./refresh.js";
export { SYNTHETIC_STATES, type SyntheticState, type SyntheticVotingMethod } from "./states.js";
export { type VoterFileSummary, type WriteVoterFileOptions, writeVoterFile } from "./write-voter-file.js";
