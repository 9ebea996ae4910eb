import { runSmsTransportConformance } from "@precinct/testing/conformance";
import { createTwilioImitation, twilioHandlers } from "@precinct/testing/http";
import { setupServer } from "msw/node";
import { afterAll, beforeAll } from "vitest";
import { createTwilio, type TwilioSmsTransport } from "../src/index.js";

const accountSid = `AC${"a1".repeat(16)}`;
const authToken = "conformance-auth-token";
const sender = "+15550100000";
const statusSid = `SM${"0".repeat(31)}7`;

// The real twilio SDK talks HTTP to the Twilio imitation through msw; each test starts it afresh.
const imitation = createTwilioImitation({
  accountSid,
  authToken,
  defaultNumber: sender,
  webhookUrl: "https://organize.example.org/webhooks/twilio/sms",
});
const server = setupServer(...twilioHandlers(imitation));
beforeAll(() => server.listen({ onUnhandledFrame: "error" }));
afterAll(() => server.close());

runSmsTransportConformance({
  name: "twilio (msw + Twilio imitation)",
  create: (): TwilioSmsTransport => {
    imitation.reset();
    return createTwilio({ accountSid, authToken }).sms({ from: sender, lookup: true });
  },
  cases: {
    recipient: "+19195550123",
    // No sentCount: Twilio's Messages API has no idempotency keys (findSent covers crash recovery).
    triggerPermanentFailure: () => imitation.failNext({ code: 21610, operation: "messages.create" }),
    triggerRetryableFailure: () => imitation.failNext({ status: 429, operation: "messages.create" }),
    validInboundRequest: () => imitation.inboundWebhook({ from: "+19195550123", body: "STOP" }),
    expectedInbound: { from: "+19195550123", to: sender, body: "STOP" },
    forgedInboundRequest: () =>
      imitation.inboundWebhook({ from: "+19195550123", body: "STOP" }, { forged: "signature" }),
    validStatusRequest: () => imitation.statusWebhook({ messageSid: statusSid, status: "delivered" }),
    expectedStatus: { providerId: statusSid, status: "delivered" },
  },
});
