import { expect, it } from "vitest";
import { forEachDatabase } from "../support/databases.js";

// Synthetic people only. Phone numbers use real area codes with made-up lines.
forEachDatabase("person matching", (db) => {
  it("1. creates a new person when nothing matches", async () => {
    const p = await db().client();
    const result = await p.people.upsert({
      givenName: "Ana",
      familyName: "Núñez",
      emailAddresses: [{ address: "ana@example.org" }],
    });
    expect(result.status).toBe("created");
    expect(result.matchedBy).toBeNull();
    expect(await p.people.count()).toBe(1);
  });

  it("2. matches by identifier even when everything else differs (identifiers win)", async () => {
    const p = await db().client();
    const first = await p.people.upsert({
      givenName: "Robert",
      familyName: "Lee",
      identifiers: ["ncsbe:AA100"],
    });
    const second = await p.people.upsert({
      givenName: "Bobby",
      familyName: "Lee-Hart",
      identifiers: ["NCSBE:AA100"],
    });
    expect(second.status).toBe("updated");
    expect(second.matchedBy).toBe("identifier");
    expect(second.person.id).toBe(first.person.id);
    expect(second.person.givenName).toBe("Bobby");
    expect(await p.people.count()).toBe(1);
  });

  it("3. matches by email, case and whitespace ignored", async () => {
    const p = await db().client();
    const first = await p.people.upsert({
      givenName: "Dana",
      familyName: "Wu",
      emailAddresses: [{ address: "dana.wu@example.org" }],
    });
    const second = await p.people.upsert({ emailAddresses: [{ address: "  Dana.Wu@Example.ORG " }] });
    expect(second.status).toBe("matched");
    expect(second.matchedBy).toBe("email");
    expect(second.person.id).toBe(first.person.id);
  });

  it("4. matches by given + family + phone, with phone formats normalized", async () => {
    const p = await db().client();
    const first = await p.people.upsert({
      givenName: "Keisha",
      familyName: "Brown",
      phoneNumbers: [{ number: "(919) 264-0134" }],
    });
    const second = await p.people.upsert({
      givenName: "KEISHA",
      familyName: "BROWN",
      phoneNumbers: [{ number: "+1 919.264.0134" }],
    });
    expect(second.matchedBy).toBe("name_phone");
    expect(second.person.id).toBe(first.person.id);
    expect(second.person.phoneNumbers.map((phone) => phone.number)).toEqual(["+19192640134"]);
  });

  it("5. matches by given + family + ZIP5 + birthdate", async () => {
    const p = await db().client();
    const first = await p.people.upsert({
      givenName: "Luis",
      familyName: "García",
      birthdate: "1985-04-12",
      postalAddresses: [
        { addressLines: ["12 Elm Street"], locality: "Durham", region: "NC", postalCode: "27701" },
      ],
    });
    const second = await p.people.upsert({
      givenName: "Luis",
      familyName: "Garcia",
      birthdate: "04/12/1985",
      postalAddresses: [
        { addressLines: ["PO Box 99"], locality: "Durham", region: "NC", postalCode: "27701-2201" },
      ],
    });
    expect(second.matchedBy).toBe("name_zip_birthdate");
    expect(second.person.id).toBe(first.person.id);
  });

  it("6. matches by given + family + street + ZIP5, street suffix forms normalized", async () => {
    const p = await db().client();
    const first = await p.people.upsert({
      givenName: "Mary",
      familyName: "O'Neil",
      postalAddresses: [
        {
          addressLines: ["405 North Mangum Street", "Apartment 2"],
          locality: "Durham",
          region: "NC",
          postalCode: "27701",
        },
      ],
    });
    const second = await p.people.upsert({
      givenName: "mary",
      familyName: "o'neil",
      postalAddresses: [
        {
          addressLines: ["405 N Mangum St", "Apt 2"],
          locality: "Durham",
          region: "North Carolina",
          postalCode: "27701",
        },
      ],
    });
    expect(second.matchedBy).toBe("name_street_zip");
    expect(second.person.id).toBe(first.person.id);
    expect(second.status).toBe("matched");
  });

  it("7. accents and case: José Núñez matches JOSE NUNEZ by name + phone", async () => {
    const p = await db().client();
    const first = await p.people.upsert({
      givenName: "José",
      familyName: "Núñez",
      phoneNumbers: [{ number: "919-264-0177" }],
    });
    const second = await p.people.upsert({
      givenName: "JOSE",
      familyName: "NUNEZ",
      phoneNumbers: [{ number: "9192640177" }],
    });
    expect(second.person.id).toBe(first.person.id);
    // Same name by its letters: the stored accented spelling is kept.
    expect(second.person).toMatchObject({ givenName: "José", familyName: "Núñez" });
    expect(second.status).toBe("matched");
  });

  it("8. nicknames are not merged by name rules: Bill and William Smith sharing a phone stay two people", async () => {
    const p = await db().client();
    await p.people.upsert({
      givenName: "William",
      familyName: "Smith",
      phoneNumbers: [{ number: "919-264-0101" }],
    });
    const second = await p.people.upsert({
      givenName: "Bill",
      familyName: "Smith",
      phoneNumbers: [{ number: "919-264-0101" }],
    });
    expect(second.status).toBe("created");
    expect(await p.people.count()).toBe(2);
  });

  it("9. shared household phone: two household members stay two people", async () => {
    const p = await db().client();
    const maria = await p.people.upsert({
      givenName: "Maria",
      familyName: "Lopez",
      phoneNumbers: [{ number: "919-264-0150" }],
    });
    const jose = await p.people.upsert({
      givenName: "Jose",
      familyName: "Lopez",
      phoneNumbers: [{ number: "919-264-0150" }],
    });
    expect(jose.status).toBe("created");
    expect(jose.person.id).not.toBe(maria.person.id);
    expect((await p.people.findByPhone("(919) 264-0150")).map((person) => person.givenName).sort()).toEqual([
      "Jose",
      "Maria",
    ]);
  });

  it("10. shared household address: two people at one address stay two people", async () => {
    const p = await db().client();
    const address = { addressLines: ["77 Oak Ave"], locality: "Raleigh", region: "NC", postalCode: "27601" };
    await p.people.upsert({ givenName: "Tom", familyName: "Reed", postalAddresses: [address] });
    const second = await p.people.upsert({
      givenName: "Jill",
      familyName: "Reed",
      postalAddresses: [address],
    });
    expect(second.status).toBe("created");
    expect(await p.people.count()).toBe(2);
  });

  it("11. father and son (Jr./Sr.) with the same name, phone and address stay two people", async () => {
    const p = await db().client();
    const address = { addressLines: ["9 Pine Rd"], locality: "Cary", region: "NC", postalCode: "27511" };
    await p.people.upsert({
      givenName: "James",
      familyName: "Carter Sr",
      phoneNumbers: [{ number: "919-264-0199" }],
      postalAddresses: [address],
    });
    const junior = await p.people.upsert({
      givenName: "James",
      familyName: "Carter",
      honorificSuffix: "JR",
      phoneNumbers: [{ number: "919-264-0199" }],
      postalAddresses: [address],
    });
    expect(junior.status).toBe("created");
    expect(junior.person.honorificSuffix).toBe("Jr.");
    expect(await p.people.count()).toBe(2);
  });

  it("12. same name and phone but contradicting birth years stay two people", async () => {
    const p = await db().client();
    await p.people.upsert({
      givenName: "Pat",
      familyName: "Kim",
      birthYear: 1950,
      phoneNumbers: [{ number: "919-264-0111" }],
    });
    const second = await p.people.upsert({
      givenName: "Pat",
      familyName: "Kim",
      birthYear: 1988,
      phoneNumbers: [{ number: "919-264-0111" }],
    });
    expect(second.status).toBe("created");
  });

  it("13. a family email shared by two different given names does not merge them", async () => {
    const p = await db().client();
    await p.people.upsert({
      givenName: "Maria",
      familyName: "Ortiz",
      emailAddresses: [{ address: "ortizfamily@example.org" }],
    });
    const second = await p.people.upsert({
      givenName: "Jose",
      familyName: "Ortiz",
      emailAddresses: [{ address: "ortizfamily@example.org" }],
    });
    expect(second.status).toBe("created");
    expect((await p.people.findByEmail("ortizfamily@example.org")).length).toBe(2);
  });

  it("14. an email match accepts a nickname of the stored given name", async () => {
    const p = await db().client();
    const first = await p.people.upsert({
      givenName: "Elizabeth",
      familyName: "Park",
      emailAddresses: [{ address: "lpark@example.org" }],
    });
    const second = await p.people.upsert({
      givenName: "Liz",
      familyName: "Park",
      emailAddresses: [{ address: "lpark@example.org" }],
    });
    expect(second.matchedBy).toBe("email");
    expect(second.person.id).toBe(first.person.id);
  });

  it("15. an empty incoming value never overwrites a stored one", async () => {
    const p = await db().client();
    await p.people.upsert({
      givenName: "Sam",
      familyName: "Ibarra",
      gender: "nonbinary",
      languageSpoken: "es",
      emailAddresses: [{ address: "sam@example.org" }],
      customFields: { shirt: "L" },
    });
    const second = await p.people.upsert({
      givenName: "",
      familyName: null,
      gender: "   ",
      emailAddresses: [{ address: "sam@example.org" }],
      customFields: { shirt: "" },
    });
    expect(second.status).toBe("matched");
    expect(second.person).toMatchObject({
      givenName: "Sam",
      familyName: "Ibarra",
      gender: "nonbinary",
      languageSpoken: "es",
    });
    expect(second.person.customFields).toEqual({ shirt: "L" });
  });

  it("16. reports what changed: scalar fields, new contact points, identifiers, tags", async () => {
    const p = await db().client();
    await p.people.upsert({
      givenName: "Rae",
      familyName: "Cole",
      emailAddresses: [{ address: "rae@example.org" }],
    });
    const second = await p.people.upsert({
      emailAddresses: [{ address: "rae@example.org" }],
      familyName: "Cole-Banks",
      phoneNumbers: [{ number: "919-264-0123", numberType: "mobile" }],
      identifiers: ["action_network:4f1c"],
      tags: ["volunteer"],
    });
    expect(second.status).toBe("updated");
    expect(second.changes.map((change) => change.field).sort()).toEqual(
      ["familyName", "identifiers", "phoneNumbers", "tags"].sort(),
    );
    expect(second.changes.find((change) => change.field === "familyName")).toMatchObject({
      before: "Cole",
      after: "Cole-Banks",
    });
    expect(second.person.tags).toEqual(["volunteer"]);
    expect(second.person.identifiers).toEqual(["action_network:4f1c"]);
  });

  it("17. repeating the same input is `matched` with no changes", async () => {
    const p = await db().client();
    const input = {
      givenName: "Ira",
      familyName: "Fox",
      phoneNumbers: [{ number: "919-264-0188" }],
      tags: ["canvasser"],
    };
    await p.people.upsert(input);
    const again = await p.people.upsert(input);
    expect(again.status).toBe("matched");
    expect(again.changes).toEqual([]);
  });

  it("18. two different ids in the same system are two people even with the same name and phone", async () => {
    const p = await db().client();
    await p.people.upsert({
      givenName: "Chris",
      familyName: "Moss",
      identifiers: ["ncsbe:BB1"],
      phoneNumbers: [{ number: "919-264-0155" }],
    });
    const second = await p.people.upsert({
      givenName: "Chris",
      familyName: "Moss",
      identifiers: ["ncsbe:BB2"],
      phoneNumbers: [{ number: "919-264-0155" }],
    });
    expect(second.status).toBe("created");
  });

  it("19. contact points are added, never removed, and only one stays primary", async () => {
    const p = await db().client();
    await p.people.upsert({
      givenName: "Noor",
      familyName: "Haddad",
      emailAddresses: [{ address: "noor@example.org" }],
    });
    const second = await p.people.upsert({
      emailAddresses: [{ address: "noor@example.org" }, { address: "noor.h@example.net", primary: true }],
    });
    expect(second.person.emailAddresses.map((email) => [email.address, email.primary])).toEqual([
      ["noor@example.org", false],
      ["noor.h@example.net", true],
    ]);
  });

  it("20. a person matching several stored people by one rule is not merged into any (ambiguous)", async () => {
    const p = await db().client();
    // Two records that already share a name and phone (e.g. imported before dedupe).
    await p.people.upsert({
      givenName: "Lee",
      familyName: "Ng",
      identifiers: ["crm:1"],
      phoneNumbers: [{ number: "919-264-0166" }],
    });
    await p.people.upsert({
      givenName: "Lee",
      familyName: "Ng",
      identifiers: ["crm:2"],
      phoneNumbers: [{ number: "919-264-0166" }],
    });
    const third = await p.people.upsert({
      givenName: "Lee",
      familyName: "Ng",
      phoneNumbers: [{ number: "919-264-0166" }],
    });
    expect(third.status).toBe("created");
    expect(third.warnings.join(" ")).toMatch(/ambiguous/);
  });

  it("21. middle initials that contradict keep people apart; a missing middle name does not", async () => {
    const p = await db().client();
    const a = await p.people.upsert({
      givenName: "John",
      additionalName: "Quincy",
      familyName: "Adams",
      phoneNumbers: [{ number: "919-264-0170" }],
    });
    const b = await p.people.upsert({
      givenName: "John",
      additionalName: "Robert",
      familyName: "Adams",
      phoneNumbers: [{ number: "919-264-0170" }],
    });
    const c = await p.people.upsert({
      givenName: "John",
      familyName: "Adams",
      additionalName: "Q.",
      phoneNumbers: [{ number: "919-264-0170" }],
    });
    expect(b.status).toBe("created");
    expect(c.person.id).toBe(a.person.id);
  });

  it("22. invalid input names the field and the value and stores nothing", async () => {
    const p = await db().client();
    await expect(
      p.people.upsert({ givenName: "Val", phoneNumbers: [{ number: "919-264-0130" }, { number: "12" }] }),
    ).rejects.toMatchObject({ code: "invalid_input", field: "phoneNumbers.1.number", value: "12" });
    await expect(p.people.upsert({ emailAddresses: [{ address: "not-an-email" }] })).rejects.toMatchObject({
      field: "emailAddresses.0.address",
    });
    expect(await p.people.count()).toBe(0);
  });

  it("23. hyphenated and particle surnames compare by letters only", async () => {
    const p = await db().client();
    const first = await p.people.upsert({
      givenName: "Ana",
      familyName: "de la Cruz",
      phoneNumbers: [{ number: "919-264-0144" }],
    });
    const second = await p.people.upsert({
      givenName: "ANA",
      familyName: "DELACRUZ",
      phoneNumbers: [{ number: "919 264 0144" }],
    });
    expect(second.person.id).toBe(first.person.id);
  });
});
