/**
 * `@precinct/voterfile` — streaming import of public state voter files (in progress). Available now: a
 * streaming delimited-text parser and the layouts of NC, OH, WA and CA files (detection and row mapping).
 * The database importer, matching and the CLI are not built yet.
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
export { caVphLayout, caVrdLayout } from "./layouts/ca.js";
export { detectLayout } from "./layouts/detect.js";
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
