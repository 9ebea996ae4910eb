import { runVoiceTransportConformance } from "@precinct/testing/conformance";
import { createTwilioImitation, twilioHandlers } from "@precinct/testing/http";
import { setupServer } from "msw/node";
import { afterAll, beforeAll } from "vitest";
import { createTwilio, type TwilioVoiceTransport } from "../src/index.js";

const accountSid = `AC${"e5".repeat(16)}`;
const authToken = "voice-conformance-auth-token";
const statusUrl = "https://organize.example.org/webhooks/twilio/voice/status";

// The real twilio SDK talks HTTP to the Twilio imitation through msw; each test starts it afresh.
const imitation = createTwilioImitation({ accountSid, authToken, webhookUrl: statusUrl });
const server = setupServer(...twilioHandlers(imitation));
beforeAll(() => server.listen({ onUnhandledFrame: "error" }));
afterAll(() => server.close());

runVoiceTransportConformance({
  name: "twilio (msw + Twilio imitation)",
  create: (): TwilioVoiceTransport => {
    imitation.reset();
    return createTwilio({ accountSid, authToken }).voice({ statusCallbackUrl: statusUrl });
  },
  cases: {
    recipient: "+19195550123",
    caller: "+15550100000",
    statusCallbackUrl: statusUrl,
    callCount: () => imitation.calls.length,
    triggerPermanentFailure: () => imitation.failNext({ code: 21211, operation: "calls.create" }),
    triggerRetryableFailure: () => imitation.failNext({ status: 429, operation: "calls.create" }),
    answerCall: (sid) => imitation.setCallStatus(sid, "in-progress"),
    conferenceMembers: (name) => imitation.conferences.get(name)?.callSids ?? [],
    redirectedInstructions: (sid) => {
      const twiml = imitation.calls.find((call) => call.sid === sid)?.twiml;
      return twiml === undefined ? undefined : { contentType: "application/xml", body: twiml };
    },
    statusRequest: (update) =>
      imitation.callStatusWebhook({
        callSid: update.providerId,
        status: update.status,
        ...(update.answeredBy !== undefined ? { answeredBy: update.answeredBy } : {}),
        ...(update.durationSeconds !== undefined ? { durationSeconds: update.durationSeconds } : {}),
      }),
    forgedStatusRequest: (update) =>
      imitation.callStatusWebhook(
        { callSid: update.providerId, status: update.status },
        { forged: "signature" },
      ),
    // Twilio's asynchronous AMD posts its result in a webhook of its own, without a CallStatus.
    machineDetectionRequest: ({ providerId, answeredBy }) =>
      imitation.amdWebhook({ callSid: providerId, answeredBy }),
  },
});
