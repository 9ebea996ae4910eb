import { PrecinctError, type Suppression } from "@precinct/core";
import { createSendGridImitation, sendGridHandlers } from "@precinct/testing/http";
import { http } from "msw";
import { setupServer } from "msw/node";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createSendGrid, type SendGridEmailOptions } from "../src/index.js";

const apiKey = "SG.suppression-tests.secret";
const imitation = createSendGridImitation({ apiKey });
const server = setupServer(...sendGridHandlers(imitation));
beforeAll(() => server.listen({ onUnhandledFrame: "error" }));
afterAll(() => server.close());
beforeEach(() => imitation.reset());

const transport = (options: SendGridEmailOptions = {}) => createSendGrid({ apiKey }).email(options);

async function collect(iterable: AsyncIterable<Suppression>): Promise<Suppression[]> {
  const all: Suppression[] = [];
  for await (const item of iterable) all.push(item);
  return all;
}

describe("suppressions", () => {
  it("pages through a list of 1,203 bounces, 500 at a time", async () => {
    for (let i = 0; i < 1203; i++) imitation.suppress(`bounced.${i}@example.org`, "bounce");
    const all = await collect(transport({ suppressionLists: ["bounce"] }).suppressions());
    expect(all).toHaveLength(1203);
    expect(new Set(all.map((s) => s.email)).size).toBe(1203);
    const pages = imitation.requests.filter((r) => r.url.includes("/v3/suppression/bounces"));
    expect(pages.map((r) => new URL(r.url).searchParams.get("offset"))).toEqual(["0", "500", "1000"]);
    expect(pages.every((r) => new URL(r.url).searchParams.get("limit") === "500")).toBe(true);
  });

  it("reads every list by default, with SendGrid's dates and groups", async () => {
    const created = new Date("2026-03-01T12:00:00Z");
    imitation.suppress("bounce@example.org", "bounce", { createdAt: created });
    imitation.suppress("block@example.org", "block", { createdAt: created });
    imitation.suppress("spam@example.org", "spamreport", { createdAt: created });
    imitation.suppress("Unsub@Example.org", "unsubscribe", { createdAt: created });
    imitation.suppress("invalid@example.org", "invalid", { createdAt: created });
    imitation.suppress("topic@example.org", "group_unsubscribe", { createdAt: created, groupId: 4242 });
    const all = await collect(transport().suppressions());
    expect(all).toEqual([
      { email: "bounce@example.org", reason: "bounce", createdAt: created },
      { email: "block@example.org", reason: "block", createdAt: created },
      { email: "spam@example.org", reason: "spamreport", createdAt: created },
      { email: "unsub@example.org", reason: "unsubscribe", createdAt: created },
      { email: "invalid@example.org", reason: "invalid", createdAt: created },
      { email: "topic@example.org", reason: "group_unsubscribe", createdAt: created, groupId: "4242" },
    ]);
  });

  it("asks only for suppressions since a date (start_time), and filters group suppressions itself", async () => {
    imitation.suppress("old@example.org", "spamreport", { createdAt: new Date("2026-01-01T00:00:00Z") });
    imitation.suppress("new@example.org", "spamreport", { createdAt: new Date("2026-02-01T00:00:00Z") });
    imitation.suppress("old-topic@example.org", "group_unsubscribe", {
      createdAt: new Date("2026-01-01T00:00:00Z"),
    });
    imitation.suppress("new-topic@example.org", "group_unsubscribe", {
      createdAt: new Date("2026-02-01T00:00:00Z"),
    });
    const since = new Date("2026-01-15T00:00:00.250Z");
    const found = await collect(
      transport({ suppressionLists: ["spamreport", "group_unsubscribe"] }).suppressions(since),
    );
    expect(found.map((s) => s.email)).toEqual(["new@example.org", "new-topic@example.org"]);
    const list = imitation.requests.find((r) => r.url.includes("/spam_reports"))!;
    expect(new URL(list.url).searchParams.get("start_time")).toBe(String(Math.floor(since.getTime() / 1000)));
  });

  it("reads only the configured lists", async () => {
    await collect(transport({ suppressionLists: ["unsubscribe", "group_unsubscribe"] }).suppressions());
    expect(imitation.requests.map((r) => new URL(r.url).pathname)).toEqual([
      "/v3/suppression/unsubscribes",
      "/v3/asm/suppressions",
    ]);
  });

  it("skips rows without an address or a date instead of inventing them", async () => {
    server.use(
      http.get("https://api.sendgrid.com/v3/suppression/bounces", () =>
        Response.json([
          { email: "ok@example.org", created: 1767225600 },
          { created: 1767225600 },
          { email: "x@example.org" },
        ]),
      ),
    );
    const found = await collect(transport({ suppressionLists: ["bounce"] }).suppressions());
    server.resetHandlers();
    expect(found.map((s) => s.email)).toEqual(["ok@example.org"]);
  });

  it("maps a refusal (an API key without Suppressions access) to a PrecinctError naming the scope", async () => {
    imitation.failNext({ status: 403, operation: "suppressions.list" });
    const error = await collect(transport().suppressions()).catch((e: unknown) => e);
    expect(PrecinctError.isInstance(error)).toBe(true);
    expect((error as PrecinctError).isRetryable).toBe(false);
    expect((error as PrecinctError).message).toContain("Suppressions read");
  });

  it("stops with the signal's reason when aborted", async () => {
    imitation.suppress("a@example.org", "bounce");
    const reason = new Error("sync canceled");
    const error = await collect(
      transport().suppressions(undefined, { signal: AbortSignal.abort(reason) }),
    ).catch((e: unknown) => e);
    expect(error).toBe(reason);
    expect(imitation.requests).toHaveLength(0);
  });
});
