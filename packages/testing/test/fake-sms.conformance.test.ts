import type { SmsTransport } from "@precinct/core";
import { runSmsTransportConformance } from "../src/conformance.js";
import { createFakeSms, type FakeSmsTransport } from "../src/index.js";

// The fake with every capability: the suite runs every check.
let fake: FakeSmsTransport;
runSmsTransportConformance({
  name: "fake (all capabilities)",
  create: () => {
    fake = createFakeSms();
    return fake;
  },
  cases: {
    recipient: "+19195550123",
    sentCount: () => fake.sent.length,
    triggerPermanentFailure: () => fake.failNext("opted_out"),
    triggerRetryableFailure: () => fake.failNext("rate_limited"),
    validInboundRequest: () =>
      fake.inboundRequest({ from: "+19195550123", to: "+15550100000", body: "STOP" }),
    expectedInbound: { from: "+19195550123", to: "+15550100000", body: "STOP" },
    forgedInboundRequest: () =>
      fake.inboundRequest({ from: "+19195550123", to: "+15550100000", body: "STOP" }, { forged: true }),
    validStatusRequest: () => fake.statusRequest({ providerId: "SMfake000042", status: "delivered" }),
    expectedStatus: { providerId: "SMfake000042", status: "delivered" },
  },
});

// A transport with only the required surface (and no idempotency): capability checks are skipped, the
// rest still runs. This is what a minimal third-party adapter sees.
let minimalFake: FakeSmsTransport;
runSmsTransportConformance({
  name: "minimal (send only)",
  create: (): SmsTransport => {
    minimalFake = createFakeSms({ provider: "minimal" });
    return { specificationVersion: "v1", provider: "minimal", send: (m, o) => minimalFake.send(m, o) };
  },
  cases: {
    triggerPermanentFailure: () => minimalFake.failNext("invalid_recipient"),
    triggerRetryableFailure: () => minimalFake.failNext("server_error"),
  },
});
