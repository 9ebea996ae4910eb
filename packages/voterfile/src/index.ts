/**
 * `@precinct/voterfile` — streaming import of public state voter files and vote history (NC, OH, WA, CA and
 * any mapped CSV/TSV/pipe file) into Precinct's database, matching people to voters, and turnout propensity.
 * Start with {@link importVoterFile}.
 *
 * @packageDocumentation
 */
export type { DelimitedEncoding } from "./delimited/decode.js";
export {
  type ByteSource,
  type DelimitedFile,
  type DelimitedOptions,
  type DelimitedRow,
  type Delimiter,
  openDelimited,
  parseDelimited,
  toRecord,
} from "./delimited/parse.js";
export { importVoterFile } from "./import/import-voter-file.js";
export type {
  ImportOptions,
  ImportProgress,
  ImportSummary,
  RemoveMissing,
  RowError,
} from "./import/types.js";
export { caVphLayout, caVrdLayout } from "./layouts/ca.js";
export { detectLayout } from "./layouts/detect.js";
export { ColumnMapping, mappedLayout } from "./layouts/mapped.js";
export {
  type AddressColumns,
  type ColumnRef,
  electionTypeOf,
  type HistorySpec,
  historyMapper,
  mergeVoteHistory,
  type RegistrationColumns,
  type RegistrationSpec,
  registrationMapper,
  voteHistoryKey,
} from "./layouts/mapping.js";
export {
  NC_HISTORY_COLUMNS,
  NC_VOTER_COLUMNS,
  NC_VOTING_METHODS,
  ncHistoryLayout,
  ncVoterLayout,
} from "./layouts/nc.js";
export { OH_ELECTION_COLUMN, ohSwvfLayout } from "./layouts/oh.js";
export { LAYOUTS, layoutById } from "./layouts/registry.js";
export type {
  AnyLayout,
  FieldError,
  HistoryLayout,
  Layout,
  LayoutKind,
  MapResult,
  RegistrationLayout,
  RegistrationRecord,
  VoteHistoryRecord,
} from "./layouts/types.js";
export { waVrdbLayout } from "./layouts/wa.js";
export * from "./match/index.js";
export {
  computeTurnoutPropensity,
  type NewAndInfrequentOptions,
  newAndInfrequentVoters,
  type PropensityElection,
  type TurnoutPropensityOptions,
  type TurnoutPropensitySummary,
} from "./propensity/index.js";
