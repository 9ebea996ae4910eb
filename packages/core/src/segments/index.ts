/**
 * Segments: the filter language, its compiler and the repository on the client (`precinct.segments`).
 *
 * @module
 */
export type { SegmentUniverse } from "./segment-compiler.js";
export {
  ConsentRequirement,
  PhoneLineType,
  parseSegmentFilter,
  SEGMENT_CONDITIONS,
  SegmentFilter,
} from "./segment-filter.js";
export { SEGMENT_MEMBER_FIELDS, type SegmentMember, type SegmentMemberField } from "./segment-member.js";
export type {
  CompiledSegment,
  SavedSegment,
  SegmentExplainOptions,
  SegmentInput,
  SegmentMembersOptions,
  SegmentQueryOptions,
  SegmentRepository,
  SegmentTarget,
} from "./segment-repository.js";
