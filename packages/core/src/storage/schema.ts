/**
 * Table types for Kysely, in camelCase (the `CamelCasePlugin` maps them to snake_case columns). They mirror
 * the migrations in `./migrations/` exactly; change both together.
 *
 * @module
 */
import type { ColumnType, Generated } from "kysely";

/** A JSON column: written as a JSON string, read as parsed JSON (PostgreSQL `jsonb`) or a string (SQLite). */
export type JsonColumn = ColumnType<unknown, string, string>;
/** A boolean column: SQLite stores 0/1, PostgreSQL `boolean`. */
export type BoolColumn = ColumnType<boolean | number, boolean | number, boolean | number>;

interface Timestamps {
  createdAt: string;
  updatedAt: string;
}
interface Owned extends Timestamps {
  id: string;
  organizationId: string;
}

/** `organization` */
export interface OrganizationTable extends Timestamps {
  id: string;
  name: string;
  slug: string;
  parentId: string | null;
  timeZone: string;
  postalAddress: string | null;
  helpText: string | null;
}

/** `person` */
export interface PersonTable extends Owned {
  givenName: string | null;
  familyName: string | null;
  additionalName: string | null;
  honorificPrefix: string | null;
  honorificSuffix: string | null;
  birthdate: string | null;
  birthYear: number | null;
  gender: string | null;
  languageSpoken: string | null;
  householdId: string | null;
  customFields: JsonColumn;
  /** `nameMatchKey(givenName)`: accent-, case- and punctuation-free, for matching. */
  givenKey: string | null;
  /** `nameMatchKey(familyName)`. */
  familyKey: string | null;
}

/** `person_email` */
export interface PersonEmailTable {
  id: string;
  organizationId: string;
  personId: string;
  address: string;
  primary: BoolColumn;
  addressType: string;
  status: string;
  position: number;
}

/** `person_phone` */
export interface PersonPhoneTable {
  id: string;
  organizationId: string;
  personId: string;
  number: string;
  primary: BoolColumn;
  numberType: string;
  lineType: string;
  status: string;
  position: number;
}

/** `person_address` */
export interface PersonAddressTable {
  id: string;
  organizationId: string;
  personId: string;
  addressLines: JsonColumn;
  locality: string | null;
  region: string | null;
  postalCode: string | null;
  country: string;
  primary: BoolColumn;
  addressType: string;
  status: string;
  position: number;
  /** First five digits of the postal code, for matching. */
  zip5: string | null;
  /** Normalized street line key (`addressMatchKey` without the ZIP), for matching. */
  streetKey: string | null;
}

/** `person_identifier` */
export interface PersonIdentifierTable {
  organizationId: string;
  personId: string;
  system: string;
  value: string;
}

/** `tag` */
export interface TagTable extends Owned {
  name: string;
  description: string | null;
}

/** `person_tag` */
export interface PersonTagTable {
  organizationId: string;
  personId: string;
  tagId: string;
}

/** `list_member` */
export interface ListMemberTable {
  organizationId: string;
  listId: string;
  personId: string;
  addedAt: string;
}

/** `consent_event` — append-only; the database refuses UPDATE and DELETE. */
export interface ConsentEventTable {
  sequence: Generated<number>;
  id: string;
  organizationId: string;
  personId: string | null;
  channel: string;
  contactPoint: string;
  kind: string;
  source: string;
  rawText: string | null;
  campaignId: string | null;
  occurredAt: string;
  recordedAt: string;
}

/** `voter` */
export interface VoterTable extends Owned {
  state: string;
  stateVoterId: string;
  countyVoterId: string | null;
  county: string | null;
  status: string;
  statusReason: string | null;
  registrationDate: string | null;
  party: string | null;
  birthYear: number | null;
  birthdate: string | null;
  gender: string | null;
  race: string | null;
  ethnicity: string | null;
  givenName: string | null;
  familyName: string | null;
  additionalName: string | null;
  honorificSuffix: string | null;
  residentialAddress: JsonColumn;
  mailingAddress: JsonColumn;
  phone: string | null;
  precinct: string | null;
  districts: JsonColumn;
  personId: string | null;
  removedAt: string | null;
  /** Name match key of `givenName` (see `nameMatchKey`). */
  givenKey: string | null;
  /** Name match key of `familyName`. */
  familyKey: string | null;
  /** ZIP5 of the residential address. */
  zip5: string | null;
  /** Street part of the residential address match key. */
  streetKey: string | null;
  /** Hash of the imported values, to tell unchanged rows in a refresh. */
  rowHash: string | null;
  /** The last import that listed this voter. */
  lastImportId: string | null;
  /** Turnout propensity 0–1 (see `computeTurnoutPropensity`). */
  turnoutPropensity: number | null;
}

/** `election` */
export interface ElectionTable extends Owned {
  date: string;
  type: string;
  name: string | null;
  jurisdiction: string | null;
}

/** `vote_history` */
export interface VoteHistoryTable {
  organizationId: string;
  voterId: string;
  electionId: string;
  method: string;
  party: string | null;
}

/** `voter_import`: one row per voter-file import. */
export interface VoterImportTable {
  id: string;
  organizationId: string;
  state: string | null;
  layout: string;
  kind: string;
  source: string | null;
  status: string;
  removeMissing: string | null;
  read: number;
  inserted: number;
  updated: number;
  unchanged: number;
  rejected: number;
  removed: number;
  errors: JsonColumn;
  message: string | null;
  startedAt: string;
  finishedAt: string | null;
}

/** `voter_change`: what an import changed on one voter. */
export interface VoterChangeTable {
  id: string;
  organizationId: string;
  voterId: string;
  importId: string | null;
  kind: string;
  changes: JsonColumn;
  changedAt: string;
}

/** `voter_match`: a person↔voter candidate pair. */
export interface VoterMatchTable {
  organizationId: string;
  personId: string;
  voterId: string;
  score: number;
  rule: string;
  status: string;
  reasons: JsonColumn;
  createdAt: string;
  decidedAt: string | null;
}

/** `phone_line_type`: known line types of phone numbers. */
export interface PhoneLineTypeTable {
  organizationId: string;
  number: string;
  lineType: string;
  source: string;
  checkedAt: string;
}

/** `outbox`: one row per intended message (see migration `0003_outreach`). */
export interface OutboxTable {
  id: string;
  organizationId: string;
  campaignId: string | null;
  kind: string;
  channel: string;
  step: number;
  idempotencyKey: string;
  personId: string | null;
  voterId: string | null;
  contactPoint: string;
  sender: string | null;
  body: string;
  segments: number;
  state: string;
  reason: string | null;
  region: string | null;
  timeZone: string | null;
  sendAfter: string | null;
  attempts: number;
  leaseUntil: string | null;
  claimedAt: string | null;
  conversationId: string | null;
  assigneeId: string | null;
  batchId: string | null;
  messageId: string | null;
  providerId: string | null;
  errorCode: string | null;
  errorMessage: string | null;
  sentAt: string | null;
  createdAt: string;
  updatedAt: string;
  /** Email rows: the recipient's substitution values, JSON. */
  payload: string | null;
}

/** `webhook_event`: provider events already handled. */
export interface WebhookEventTable {
  organizationId: string;
  provider: string;
  eventKey: string;
  receivedAt: string;
}

/**
 * `parked_status`: a status callback that arrived before its message row was written, applied when the
 * row appears.
 */
export interface ParkedStatusTable {
  organizationId: string;
  providerId: string;
  status: string;
  errorCode: string | null;
  failureReason: string | null;
  occurredAt: string | null;
  /** The provider's payload, JSON. */
  raw: string | null;
  receivedAt: string;
}

/** `p2p_batch`: a batch of P2P contacts handed to a texter. */
export interface P2pBatchTable {
  id: string;
  organizationId: string;
  campaignId: string;
  texterId: string;
  size: number;
  createdAt: string;
}

/** `campaign` (also served by the generic repository). */
export interface CampaignTable extends Owned {
  name: string;
  channel: string;
  mode: string;
  status: string;
  audience: JsonColumn;
  template: JsonColumn;
  schedule: JsonColumn;
  policy: JsonColumn;
  sender: string | null;
  script: JsonColumn;
  pausedReason: string | null;
  launchedAt: string | null;
}

/** `message` (also served by the generic repository). */
export interface MessageTable extends Owned {
  channel: string;
  direction: string;
  campaignId: string | null;
  conversationId: string | null;
  personId: string | null;
  from: string;
  to: string;
  subject: string | null;
  body: string;
  status: string;
  providerId: string | null;
  idempotencyKey: string | null;
  segments: number | null;
  errorCode: string | null;
  errorMessage: string | null;
  sentAt: string | null;
}

/** `conversation` (also served by the generic repository). */
export interface ConversationTable extends Owned {
  channel: string;
  ourAddress: string;
  theirAddress: string;
  personId: string | null;
  campaignId: string | null;
  assigneeId: string | null;
  status: string;
  tags: JsonColumn;
  lastMessageAt: string | null;
  lastInboundAt: string | null;
  lastOutboundAt: string | null;
}

/** `interaction` (also served by the generic repository). */
export interface InteractionTable extends Owned {
  personId: string;
  channel: string;
  outcome: string;
  resultCode: string | null;
  volunteerId: string | null;
  campaignId: string | null;
  notes: string | null;
  occurredAt: string;
}

/** `list` (also served by the list repository). */
export interface ListTable extends Owned {
  name: string;
  description: string | null;
}

/** `survey_question` (also served by the generic repository). */
export interface SurveyQuestionTable extends Owned {
  campaignId: string | null;
  prompt: string;
  kind: string;
  responses: JsonColumn;
}

/** `survey_response` (also served by the generic repository). */
export interface SurveyResponseTable extends Owned {
  questionId: string;
  personId: string;
  value: string;
  interactionId: string | null;
  respondedAt: string;
}

/** `call` (also served by the generic repository); the dialer's columns come from `0004_phonebank`. */
export interface CallTable extends Owned {
  campaignId: string | null;
  personId: string | null;
  volunteerId: string | null;
  to: string;
  from: string | null;
  providerId: string | null;
  status: string;
  answeredBy: string | null;
  disposition: string | null;
  attempt: number;
  durationSeconds: number | null;
  startedAt: string | null;
  endedAt: string | null;
  /** `contact` (a call to someone on the call list) or `volunteer` (the volunteer's own call). */
  leg: string | null;
  contactId: string | null;
  sessionId: string | null;
  answeredAt: string | null;
  abandoned: BoolColumn | null;
  voicemail: BoolColumn | null;
  errorCode: string | null;
  interactionId: string | null;
}

/** `phonebank`: dialer settings of a voice campaign. */
export interface PhonebankTable {
  campaignId: string;
  organizationId: string;
  settings: JsonColumn;
  createdAt: string;
  updatedAt: string;
}

/** `phonebank_contact`: the call list of a phone bank. */
export interface PhonebankContactTable {
  id: string;
  organizationId: string;
  campaignId: string;
  personId: string | null;
  voterId: string | null;
  phone: string;
  givenName: string | null;
  familyName: string | null;
  county: string | null;
  precinct: string | null;
  zip: string | null;
  region: string | null;
  timeZone: string | null;
  state: string;
  reason: string | null;
  result: string | null;
  attempts: number;
  nextAttemptAt: string | null;
  sessionId: string | null;
  leaseUntil: string | null;
  lastCallId: string | null;
  createdAt: string;
  updatedAt: string;
}

/** `phonebank_session`: a volunteer's call session. */
export interface PhonebankSessionTable {
  id: string;
  organizationId: string;
  campaignId: string;
  volunteerId: string;
  via: string;
  endpoint: string;
  conferenceName: string;
  legCallId: string | null;
  state: string;
  contactId: string | null;
  callId: string | null;
  readyAt: string | null;
  joinedAt: string;
  leftAt: string | null;
  createdAt: string;
  updatedAt: string;
}

/** A table of a generic entity: the common columns plus the entity's own. */
export type EntityTable = Owned & Record<string, unknown>;

/** The database as Kysely sees it. */
export interface Database {
  organization: OrganizationTable;
  person: PersonTable;
  personEmail: PersonEmailTable;
  personPhone: PersonPhoneTable;
  personAddress: PersonAddressTable;
  personIdentifier: PersonIdentifierTable;
  tag: TagTable;
  personTag: PersonTagTable;
  listMember: ListMemberTable;
  consentEvent: ConsentEventTable;
  voter: VoterTable;
  election: ElectionTable;
  voteHistory: VoteHistoryTable;
  voterImport: VoterImportTable;
  voterChange: VoterChangeTable;
  voterMatch: VoterMatchTable;
  phoneLineType: PhoneLineTypeTable;
  outbox: OutboxTable;
  webhookEvent: WebhookEventTable;
  parkedStatus: ParkedStatusTable;
  p2pBatch: P2pBatchTable;
  campaign: CampaignTable;
  message: MessageTable;
  conversation: ConversationTable;
  interaction: InteractionTable;
  list: ListTable;
  surveyQuestion: SurveyQuestionTable;
  surveyResponse: SurveyResponseTable;
  call: CallTable;
  phonebank: PhonebankTable;
  phonebankContact: PhonebankContactTable;
  phonebankSession: PhonebankSessionTable;
}

/** The SQL dialects Precinct runs on. */
export type DialectName = "sqlite" | "postgres";
