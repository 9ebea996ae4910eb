/**
 * Conformance suites adapters run against their contract. Built on vitest (an optional peer dependency).
 *
 * @module
 */

export {
  type ConformanceEmailEvent,
  type ConformanceReceivedEmail,
  type EmailTransportConformanceCases,
  type EmailTransportConformanceOptions,
  runEmailTransportConformance,
} from "./email-transport-conformance.js";
export {
  runSmsTransportConformance,
  type SmsTransportConformanceCases,
  type SmsTransportConformanceOptions,
} from "./sms-transport-conformance.js";
export {
  type ConformanceCallStatus,
  parseXmlMarkup,
  runVoiceTransportConformance,
  type VoiceTransportConformanceCases,
  type VoiceTransportConformanceOptions,
  type XmlElement,
} from "./voice-transport-conformance.js";
