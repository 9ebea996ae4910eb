/**
 * Precinct quick start: open the embedded SQLite database, create an organization, upsert a few people —
 * one of them twice, the way a second sign-in sheet would — and print who is in the database.
 *
 * Run it with `pnpm demo` from the repository root. It writes `precinct-demo.db` in this folder and removes
 * it first, so every run starts clean. Everything here is synthetic.
 */
import { rmSync } from "node:fs";
import { createPrecinct, type PersonInput } from "@precinct/core";

const DATABASE = new URL("../precinct-demo.db", import.meta.url).pathname;
for (const suffix of ["", "-wal", "-shm"]) rmSync(DATABASE + suffix, { force: true });

const precinct = await createPrecinct({
  database: DATABASE,
  organization: { name: "Eastside Neighbors United", slug: "eastside-neighbors" },
});

const signIns: PersonInput[] = [
  {
    givenName: "ana",
    familyName: "núñez",
    phoneNumbers: [{ number: "(919) 264-0134", numberType: "mobile" }],
    emailAddresses: [{ address: "ana.nunez@example.org" }],
    tags: ["tenant-union"],
  },
  {
    givenName: "MARCUS",
    familyName: "BELL JR",
    postalAddresses: [
      {
        addressLines: ["405 north mangum street", "apartment 2"],
        locality: "durham",
        region: "nc",
        postalCode: "27701",
      },
    ],
  },
  // The same Ana from a second sheet: different formatting, a new email, one more tag.
  {
    givenName: "ANA",
    familyName: "NUNEZ",
    phoneNumbers: [{ number: "+1 919.264.0134" }],
    emailAddresses: [{ address: "ana@example.net" }],
    tags: ["canvasser"],
  },
  // Ana's housemate shares her phone: a different person, kept apart.
  { givenName: "Rosa", familyName: "Núñez", phoneNumbers: [{ number: "919-264-0134" }] },
];

console.log(`Precinct quick start — ${precinct.organization.name} on ${precinct.storage.description}\n`);
for (const input of signIns) {
  const result = await precinct.people.upsert(input);
  const how = result.matchedBy
    ? ` (matched by ${result.matchedBy}; changed: ${result.changes.map((c) => c.field).join(", ") || "nothing"})`
    : "";
  console.log(`${result.status.padEnd(8)} ${result.person.givenName} ${result.person.familyName}${how}`);
}

await precinct.consent.record({
  channel: "sms",
  contactPoint: "919-264-0134",
  kind: "opt_in",
  source: "form",
  rawText: "Yes, text me about tenant meetings",
});

console.log("\nPeople in the database:");
const rows = (await precinct.people.list()).map((person) => ({
  name: [person.givenName, person.familyName, person.honorificSuffix].filter(Boolean).join(" "),
  phones: person.phoneNumbers.map((phone) => phone.number).join(", "),
  emails: person.emailAddresses.map((email) => email.address).join(", "),
  address: person.postalAddresses
    .map((a) => [...a.addressLines, a.locality, a.region, a.postalCode].join(" "))
    .join("; "),
  tags: person.tags.join(", "),
}));
console.table(rows);
console.log(`SMS consent of +19192640134: ${(await precinct.consent.status("sms", "+19192640134")).status}`);
console.log(`${await precinct.people.count()} people (4 sign-ins, 1 duplicate matched).`);

await precinct.close();
