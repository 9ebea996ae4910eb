import { InvalidInputError, NotFoundError, validatePlugin } from "@precinct/core";
import { describe, expect, it } from "vitest";
import { createFakeAudienceSync, createFakeSocial } from "../src/index.js";

describe("createFakeSocial", () => {
  it("implements the SocialPublisher v1 contract", () => {
    expect(() => validatePlugin("SocialPublisher", createFakeSocial())).not.toThrow();
  });

  it("publishes, schedules, deletes and reports metrics", async () => {
    const now = new Date("2025-06-01T10:00:00Z");
    const social = createFakeSocial({ now: () => now });
    const published = await social.publish({ text: "Canvass launch Saturday 10am!", idempotencyKey: "p1" });
    expect(published).toEqual({
      providerId: "POSTfake000001",
      url: "https://social.test/posts/POSTfake000001",
      publishedAt: now,
    });
    expect(await social.publish({ text: "Canvass launch Saturday 10am!", idempotencyKey: "p1" })).toEqual(
      published,
    );
    const at = new Date("2025-06-02T10:00:00Z");
    await expect(social.schedule({ text: "Tomorrow!" }, at)).resolves.toEqual({
      providerId: "POSTfake000002",
      scheduledFor: at,
    });
    await expect(
      social.schedule({ text: "Too late" }, new Date("2025-05-01T00:00:00Z")),
    ).rejects.toBeInstanceOf(InvalidInputError);
    expect(await social.metrics(published.providerId)).toMatchObject({ impressions: 0, asOf: now });
    social.setMetrics(published.providerId, { impressions: 1200, shares: 14 });
    expect(await social.metrics(published.providerId)).toEqual({ impressions: 1200, shares: 14, asOf: now });
    await social.delete(published.providerId);
    expect(social.posts.map((p) => p.state)).toEqual(["deleted", "scheduled"]);
    await expect(social.delete(published.providerId)).rejects.toBeInstanceOf(NotFoundError);
  });

  it("refuses text over the network's limit and injects failures", async () => {
    const social = createFakeSocial({ maxLength: 10 });
    await expect(social.publish({ text: "x".repeat(11) })).rejects.toBeInstanceOf(InvalidInputError);
    social.failNext("rate_limited");
    await expect(social.publish({ text: "hi" })).rejects.toMatchObject({ code: "rate_limited" });
    expect(social.posts).toHaveLength(0);
  });
});

describe("createFakeAudienceSync", () => {
  it("implements the AudienceSync v1 contract", () => {
    expect(() => validatePlugin("AudienceSync", createFakeAudienceSync())).not.toThrow();
  });

  it("upserts, removes and replaces members keyed by email or phone", async () => {
    const sync = createFakeAudienceSync();
    const result = await sync.upsertAudience({
      audienceId: "aud1",
      members: [
        { email: "Ana@Example.org", givenName: "Ana", postalCode: "27601" },
        { phone: "+19195550123" },
        { givenName: "Nobody" },
      ],
    });
    expect(result).toMatchObject({ audienceId: "aud1", received: 3, invalid: 1 });
    expect(result.warnings[0]).toContain("members[2]");
    expect(sync.members("aud1")).toHaveLength(2);
    await sync.upsertAudience({
      audienceId: "aud1",
      members: [{ email: "ana@example.org", city: "Raleigh" }],
    });
    expect(sync.members("aud1")).toHaveLength(2);
    await sync.remove({ audienceId: "aud1", members: [{ phone: "+19195550123" }] });
    expect(sync.members("aud1").map((m) => m.email)).toEqual(["ana@example.org"]);
    await sync.replace({ audienceId: "aud1", members: [{ email: "ben@example.org" }] });
    expect(sync.members("aud1").map((m) => m.email)).toEqual(["ben@example.org"]);
    expect(sync.calls.map((c) => c.operation)).toEqual(["upsert", "upsert", "remove", "replace"]);
  });

  it("refuses batches over maxBatchSize and leaves the audience alone on failure", async () => {
    const sync = createFakeAudienceSync({ maxBatchSize: 1 });
    await expect(
      sync.upsertAudience({ audienceId: "a", members: [{ email: "a@x.org" }, { email: "b@x.org" }] }),
    ).rejects.toBeInstanceOf(InvalidInputError);
    await sync.upsertAudience({ audienceId: "a", members: [{ email: "a@x.org" }] });
    sync.failNext("server_error");
    await expect(sync.replace({ audienceId: "a", members: [] })).rejects.toMatchObject({ isRetryable: true });
    expect(sync.members("a")).toHaveLength(1);
  });
});
