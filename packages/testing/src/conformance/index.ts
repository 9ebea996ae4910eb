/**
 * Conformance suites adapters run against their contract. Built on vitest (an optional peer dependency).
 *
 * @module
 */

export {
  runSmsTransportConformance,
  type SmsTransportConformanceCases,
  type SmsTransportConformanceOptions,
} from "./sms-transport-conformance.js";
