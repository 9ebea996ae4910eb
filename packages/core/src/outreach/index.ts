/**
 * The outreach engine: campaigns, the compliance gate, the outbox and its dispatcher, replies and status
 * callbacks, peer-to-peer texting, and the pure pieces they are built from (quiet hours, reply
 * classification, templates).
 *
 * @module
 */
export {
  type CampaignEstimate,
  type CampaignInput,
  type CampaignOptions,
  type CampaignReport,
  CampaignService,
  type LaunchResult,
  type PreviewMessage,
} from "./campaigns.js";
export { Dispatcher, type DispatcherOptions, type DrainResult, type Rate } from "./dispatcher.js";
export {
  applySubstitutions,
  type EmailFooter,
  type EmailTag,
  type EmailTemplates,
  emailTemplates,
  type TaggedEmail,
  taggedEmail,
  UNSUBSCRIBE_TAG,
} from "./email/content.js";
export {
  COMPLAINT_MIN_SAMPLE,
  COMPLAINT_PAUSE_RATE,
  COMPLAINT_WARN_RATE,
  type EmailEventsResult,
} from "./email/events.js";
export { type EmailSettings, parseEmailSender } from "./email/settings.js";
export { readUnsubscribeToken, type UnsubscribeClaim, unsubscribeToken } from "./email/unsubscribe.js";
export type { BlockReason, GateDecision, WaitReason } from "./gate.js";
export type { InboundOptions, InboundResult, StatusResult } from "./inbound.js";
export { MERGE_FIELD_NAMES, MERGE_FIELDS, type MergeField } from "./merge-fields.js";
export type { OutboxEntry, OutboxKind, OutboxState } from "./outbox.js";
export { type OutboxListOptions, OutboxReader } from "./outbox-reader.js";
export { type InboxItem, type P2pBatch, type P2pContact, type P2pSendResult, PeerToPeer } from "./p2p.js";
export * from "./quiet-hours/index.js";
export * from "./replies/index.js";
export * from "./templates/index.js";
