import { createFakeEmail, createFakeSms, createFakeVoice } from "@precinct/testing";
import { afterEach, expect, it } from "vitest";
import { createPrecinct, type Precinct } from "../../src/index.js";

const open: Precinct[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((p) => p.close()));
});

it("one router serves texting, email and voice webhooks, each listed with its public URL", async () => {
  const p = await createPrecinct({
    database: ":memory:",
    organization: {
      name: "Router Org",
      slug: "router-org",
      postalAddress: "PO Box 1, Durham, NC 27701",
    } as never,
    plugins: { sms: createFakeSms(), email: createFakeEmail(), voice: createFakeVoice() },
    email: {
      publicUrl: "https://organize.example.org",
      unsubscribeSecret: "router-test-secret-0123456789abcdef",
    },
  });
  open.push(p);
  const router = p.webhooks({ publicUrl: "https://organize.example.org" });
  const listed = router.routes.map((route) => `${route.method} ${route.url}`);
  expect(listed).toEqual(
    expect.arrayContaining([
      "POST https://organize.example.org/webhooks/sms/inbound",
      "POST https://organize.example.org/webhooks/sms/status",
      "POST https://organize.example.org/webhooks/email/events",
      "POST https://organize.example.org/webhooks/email/unsubscribe",
      "GET https://organize.example.org/webhooks/email/unsubscribe",
      "POST https://organize.example.org/webhooks/voice/answer",
      "POST https://organize.example.org/webhooks/voice/status",
      "POST https://organize.example.org/webhooks/voice/amd",
    ]),
  );
  // The dialer learned where its calls' answer and status URLs live.
  expect(p.phonebanks.webhookUrls()).toMatchObject({
    answer: expect.stringMatching(/^https:\/\/organize\.example\.org\/webhooks\/voice\/answer/),
  });
  // An unsigned voice callback changes nothing.
  const response = await router.handle(
    new Request("https://organize.example.org/webhooks/voice/status?call=nope", {
      method: "POST",
      body: "CallSid=CA1",
    }),
  );
  expect(response.status).toBe(403);
});
