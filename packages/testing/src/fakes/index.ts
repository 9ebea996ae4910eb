/**
 * Fakes for every plugin contract: honest in-memory implementations that record what they were asked to
 * do and never touch the network.
 *
 * @module
 */

export {
  type FakeFailure,
  type FakeFailureControls,
  type FakeFailureInput,
  fakeProviderError,
} from "./failures.js";
export {
  createFakeAudienceSync,
  type FakeAudienceCall,
  type FakeAudienceSync,
  type FakeAudienceSyncOptions,
} from "./fake-audience-sync.js";
export {
  createFakeEmail,
  type FakeEmailEventInput,
  type FakeEmailOptions,
  type FakeEmailTransport,
  type SentEmail,
} from "./fake-email.js";
export {
  createFakeJobQueue,
  type FakeJobQueue,
  type FakeJobQueueOptions,
  type FakeJobRecord,
  type FakeJobState,
} from "./fake-job-queue.js";
export {
  createFakeSms,
  type FailedSms,
  type FakeInboundInput,
  type FakeSmsOptions,
  type FakeSmsTransport,
  type FakeStatusInput,
  type ScriptedReply,
  type SentSms,
} from "./fake-sms.js";
export {
  createFakeSocial,
  type FakePost,
  type FakeSocialOptions,
  type FakeSocialPublisher,
} from "./fake-social.js";
export {
  createFakeEventSource,
  createFakePeopleSync,
  createFakePetitionSource,
  type FakeEventSource,
  type FakePeopleSync,
  type FakePetitionSource,
  type FakeSyncOperation,
  type FakeSyncSourceControls,
  type FakeSyncSourceOptions,
} from "./fake-sync-sources.js";
export {
  createFakeVoice,
  DEFAULT_CALL_DISTRIBUTION,
  type FakeCall,
  type FakeCallDistribution,
  type FakeCallOutcome,
  type FakeRedirect,
  type FakeVoiceOptions,
  type FakeVoiceTransport,
} from "./fake-voice.js";
export { mulberry32 } from "./random.js";
export {
  type CreateWebhookRequestInput,
  createSignedFormWebhook,
  createSignedJsonWebhook,
  createWebhookRequest,
  DEFAULT_FAKE_WEBHOOK_SECRET,
  FAKE_SIGNATURE_HEADER,
  signFakeWebhook,
  verifyFakeWebhook,
} from "./webhooks.js";
