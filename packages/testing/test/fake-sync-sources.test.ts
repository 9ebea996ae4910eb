import type { EventSourceRecord, ExternalPerson, PetitionSourceRecord } from "@precinct/core";
import { validatePlugin } from "@precinct/core";
import { describe, expect, it } from "vitest";
import { createFakeEventSource, createFakePeopleSync, createFakePetitionSource } from "../src/index.js";

async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

const person = (id: string, modified?: string): ExternalPerson => ({
  identifiers: [`fake-crm:${id}`],
  givenName: `Person ${id}`,
  emailAddresses: [{ address: `${id}@example.org`, primary: true, status: "subscribed" }],
  ...(modified ? { modifiedDate: new Date(modified) } : {}),
});

describe("createFakePeopleSync", () => {
  it("implements the PeopleSync v1 contract", () => {
    expect(() => validatePlugin("PeopleSync", createFakePeopleSync())).not.toThrow();
  });

  it("pulls everything, or what changed since a date, in pages", async () => {
    const records = Array.from({ length: 60 }, (_, i) =>
      person(String(i), i < 50 ? "2025-01-01T00:00:00Z" : "2025-03-01T00:00:00Z"),
    );
    const sync = createFakePeopleSync({ records: [...records, person("undated")] });
    expect(await collect(sync.pull())).toHaveLength(61);
    expect(sync.pagesRead).toBe(3);
    const recent = await collect(sync.pull(new Date("2025-02-01T00:00:00Z")));
    expect(recent.map((p) => p.identifiers[0])).toEqual([
      ...records.slice(50).map((p) => p.identifiers[0]),
      "fake-crm:undated",
    ]);
    expect(sync.pulls).toEqual([undefined, new Date("2025-02-01T00:00:00Z")]);
  });

  it("creates or updates people on push and stores them for later pulls", async () => {
    const sync = createFakePeopleSync({ records: [person("a")] });
    const { results } = await sync.push([
      { ...person("a"), givenName: "Ana" },
      { identifiers: ["precinct:p1"], givenName: "Ben" },
    ]);
    expect(results).toEqual([
      { status: "updated", identifiers: ["fake-crm:a"] },
      { status: "created", identifiers: ["precinct:p1", "fake-crm:000001"] },
    ]);
    const all = await collect(sync.pull());
    expect(all.map((p) => p.givenName)).toEqual(["Ana", "Ben"]);
    expect(sync.pushed).toHaveLength(2);
  });

  it("fails pulls on demand and honours abort signals", async () => {
    const sync = createFakePeopleSync({ records: [person("a")] });
    sync.failNext("server_error");
    await expect(collect(sync.pull())).rejects.toMatchObject({ isRetryable: true });
    const controller = new AbortController();
    controller.abort(new Error("aborted"));
    await expect(collect(sync.pull(undefined, { signal: controller.signal }))).rejects.toThrow("aborted");
    sync.add(person("b"));
    sync.reset();
    expect(sync.records).toHaveLength(1);
  });
});

describe("createFakePetitionSource and createFakeEventSource", () => {
  it("yield containers before the records that reference them", async () => {
    const signer = person("s");
    const petitionRecords: PetitionSourceRecord[] = [
      {
        type: "signature",
        identifiers: ["fake-petitions:sig1"],
        petitionIdentifiers: ["fake-petitions:pet1"],
        person: signer,
        createdDate: new Date("2025-01-02T00:00:00Z"),
      },
      { type: "petition", identifiers: ["fake-petitions:pet1"], title: "Fund the library" },
    ];
    const petitions = createFakePetitionSource({ records: petitionRecords });
    expect(() => validatePlugin("PetitionSource", petitions)).not.toThrow();
    expect((await collect(petitions.pull())).map((r) => r.type)).toEqual(["petition", "signature"]);

    const eventRecords: EventSourceRecord[] = [
      {
        type: "attendance",
        identifiers: ["fake-events:att1"],
        eventIdentifiers: ["fake-events:ev1"],
        person: signer,
        status: "rsvp",
        createdDate: new Date("2025-01-02T00:00:00Z"),
      },
      {
        type: "event",
        identifiers: ["fake-events:ev1"],
        title: "Canvass launch",
        startDate: new Date("2025-02-01T15:00:00Z"),
        timeZone: "America/New_York",
      },
    ];
    const events = createFakeEventSource({ records: eventRecords });
    expect(() => validatePlugin("EventSource", events)).not.toThrow();
    expect((await collect(events.pull())).map((r) => r.type)).toEqual(["event", "attendance"]);
    const { results } = await events.push([
      {
        type: "attendance",
        identifiers: ["precinct:a1"],
        eventIdentifiers: ["fake-events:ev1"],
        person: signer,
        status: "attended",
        createdDate: new Date(),
      },
    ]);
    expect(results[0]).toMatchObject({ status: "created" });
    expect(events.records).toHaveLength(3);
  });
});
