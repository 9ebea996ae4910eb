import { createFakeSms, type FakeSmsOptions, type FakeSmsTransport } from "@precinct/testing";
import { afterEach } from "vitest";
import { createPrecinct, type DispatcherOptions, type Precinct } from "../../src/index.js";
import type { TestDatabase } from "../support/databases.js";

/** A clock tests move by hand. Starts on a Wednesday at 15:00 UTC (10:00 in New York, 07:00 in Los Angeles). */
export class TestClock {
  #now: Date;

  constructor(start = "2026-11-18T15:00:00.000Z") {
    this.#now = new Date(start);
  }

  /** The engine's clock function. */
  readonly now = (): Date => new Date(this.#now.getTime());

  /** Jumps to an instant. */
  set(iso: string): void {
    this.#now = new Date(iso);
  }

  /** Moves forward. */
  advance(ms: number): void {
    this.#now = new Date(this.#now.getTime() + ms);
  }
}

/** A client with the fake carrier, a hand-moved clock and rate limits off, in a fresh organization. */
export async function outreachClient(
  db: TestDatabase,
  options: {
    sms?: FakeSmsTransport;
    smsOptions?: FakeSmsOptions;
    clock?: TestClock;
    dispatcher?: DispatcherOptions;
    helpText?: string;
  } = {},
): Promise<{ p: Precinct; sms: FakeSmsTransport; clock: TestClock }> {
  const clock = options.clock ?? new TestClock();
  const sms = options.sms ?? createFakeSms({ now: clock.now, ...options.smsOptions });
  const slug = `outreach-${Math.random().toString(36).slice(2, 10)}`;
  const p = await createPrecinct({
    database: db.url,
    organization: { name: "Durham Neighbors", slug, timeZone: "America/New_York" } as never,
    plugins: { sms },
    clock: clock.now,
    dispatcher: { rateLimits: false, retry: { baseDelayMs: 1000 }, ...options.dispatcher },
  });
  if (options.helpText) await p.updateOrganization({ helpText: options.helpText });
  return { p, sms, clock };
}

/** A person for tests: synthetic names, 555-style lines on real area codes. */
export interface TestPerson {
  readonly givenName?: string;
  readonly familyName?: string;
  readonly phone?: string;
  readonly region?: string;
  readonly postalCode?: string;
  readonly lineType?: "mobile" | "landline" | "voip" | "unknown";
}

/** Creates people and a list holding them; returns the list id and the people's ids in order. */
export async function peopleList(
  p: Precinct,
  people: readonly TestPerson[],
): Promise<{ listId: string; ids: string[] }> {
  const ids: string[] = [];
  for (const person of people) {
    const { person: created } = await p.people.upsert({
      givenName: person.givenName ?? null,
      familyName: person.familyName ?? "Testperson",
      phoneNumbers: person.phone
        ? [{ number: person.phone, primary: true, lineType: person.lineType ?? "mobile" }]
        : [],
      postalAddresses: person.region
        ? [
            {
              addressLines: ["1 Main St"],
              locality: "Town",
              region: person.region,
              postalCode: person.postalCode ?? null,
              primary: true,
            },
          ]
        : [],
    } as never);
    ids.push(created.id);
  }
  const list = await p.lists.create({ name: `list ${Math.random().toString(36).slice(2, 7)}` } as never);
  await p.lists.addMembers(list.id, ids);
  return { listId: list.id, ids };
}

/**
 * Registers an `afterEach` that closes every client it made, and returns the maker: each test gets fresh
 * clients on the suite's database.
 */
export function outreachClients(
  db: () => TestDatabase,
): (options?: Parameters<typeof outreachClient>[1]) => ReturnType<typeof outreachClient> {
  const open: Precinct[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((p) => p.close()));
  });
  return async (options = {}) => {
    const made = await outreachClient(db(), options);
    open.push(made.p);
    return made;
  };
}
