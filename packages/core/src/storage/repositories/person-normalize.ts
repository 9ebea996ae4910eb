import type { z } from "zod";
import {
  addressMatchKey,
  nameMatchKey,
  normalizeDate,
  normalizeEmail,
  normalizePersonName,
  normalizePhone,
  normalizePostalAddress,
  zip5,
} from "../../normalize/index.js";
import { InvalidInputError } from "../../spec/errors.js";
import type { CustomFields } from "../../spec/model/common.js";
import type { EmailAddress, PersonInput, PhoneNumber, PostalAddress } from "../../spec/model/person.js";
import { PersonInput as PersonInputSchema } from "../../spec/model/person.js";
import { parseInput } from "../codec.js";

/** A person input after validation and normalization: blanks removed, contact points in canonical form. */
export interface NormalizedPersonInput {
  givenName?: string;
  familyName?: string;
  additionalName?: string;
  honorificPrefix?: string;
  honorificSuffix?: string;
  birthdate?: string;
  birthYear?: number;
  gender?: string;
  languageSpoken?: string;
  householdId?: string;
  emailAddresses: EmailAddress[];
  phoneNumbers: PhoneNumber[];
  postalAddresses: PostalAddress[];
  identifiers: string[];
  customFields: z.infer<typeof CustomFields>;
  tags: string[];
}

/** Options for normalizing people. */
export interface PersonNormalizeOptions {
  /** Country assumed for phone numbers written without a country code. Default `US`. */
  defaultCountry?: string;
}

const blank = (value: unknown): boolean =>
  value === undefined || value === null || (typeof value === "string" && value.trim() === "");

/** Validates and normalizes a {@link PersonInput}; throws `InvalidInputError` naming the field and value. */
export function normalizePersonInput(
  input: PersonInput,
  options: PersonNormalizeOptions = {},
): NormalizedPersonInput {
  const data = parseInput(PersonInputSchema, input);
  const out: NormalizedPersonInput = {
    emailAddresses: [],
    phoneNumbers: [],
    postalAddresses: [],
    identifiers: [],
    customFields: {},
    tags: [],
  };
  const name = normalizePersonName(
    {
      givenName: data.givenName ?? null,
      familyName: data.familyName ?? null,
      additionalName: data.additionalName ?? null,
      honorificSuffix: data.honorificSuffix ?? null,
    },
    { field: "person" },
  );
  Object.assign(out, name);
  for (const key of ["honorificPrefix", "gender", "languageSpoken", "householdId"] as const) {
    const value = data[key];
    if (!blank(value)) out[key] = String(value).trim().replace(/\s+/g, " ");
  }
  if (!blank(data.birthdate)) {
    const birthdate = normalizeDate(data.birthdate as string | Date, { field: "birthdate" });
    out.birthdate = birthdate;
    out.birthYear = Number(birthdate.slice(0, 4));
  }
  if (!blank(data.birthYear)) {
    if (out.birthYear !== undefined && out.birthYear !== data.birthYear) {
      // A birth year that contradicts the birth date is a data error the caller must see.
      throw new InvalidInputError({
        field: "birthYear",
        value: data.birthYear,
        reason: `contradicts birthdate ${String(out.birthdate)}`,
      });
    }
    out.birthYear = data.birthYear as number;
  }

  const seenEmails = new Set<string>();
  (data.emailAddresses ?? []).forEach((email, index) => {
    if (blank(email.address)) return;
    const address = normalizeEmail(email.address, { field: `emailAddresses.${index}.address` });
    if (seenEmails.has(address)) return;
    seenEmails.add(address);
    out.emailAddresses.push({
      address,
      primary: email.primary ?? false,
      addressType: email.addressType ?? "personal",
      status: email.status ?? "unknown",
    });
  });

  const seenPhones = new Set<string>();
  (data.phoneNumbers ?? []).forEach((phone, index) => {
    if (blank(phone.number)) return;
    const number = normalizePhone(phone.number, {
      field: `phoneNumbers.${index}.number`,
      ...(options.defaultCountry ? { defaultCountry: options.defaultCountry as never } : {}),
    });
    if (seenPhones.has(number)) return;
    seenPhones.add(number);
    out.phoneNumbers.push({
      number,
      primary: phone.primary ?? false,
      numberType: phone.numberType ?? "other",
      lineType: phone.lineType ?? "unknown",
      status: phone.status ?? "unknown",
    });
  });

  const seenAddresses = new Set<string>();
  (data.postalAddresses ?? []).forEach((address, index) => {
    const lines = (address.addressLines ?? []).filter((line) => !blank(line));
    if (lines.length === 0 && blank(address.postalCode) && blank(address.locality)) return;
    const normalized = normalizePostalAddress(
      {
        addressLines: lines,
        locality: address.locality ?? null,
        region: address.region ?? null,
        postalCode: address.postalCode ?? null,
        country: address.country ?? "US",
      },
      { field: `postalAddresses.${index}` },
    );
    const full: PostalAddress = {
      addressLines: normalized.addressLines,
      locality: normalized.locality ?? null,
      region: normalized.region ?? null,
      postalCode: normalized.postalCode ?? null,
      country: normalized.country ?? "US",
      primary: address.primary ?? false,
      addressType: address.addressType ?? "home",
      status: address.status ?? "unknown",
    };
    const key = addressKey(full);
    if (seenAddresses.has(key)) return;
    seenAddresses.add(key);
    out.postalAddresses.push(full);
  });

  for (const identifier of data.identifiers ?? []) {
    const normalized = normalizeIdentifier(identifier);
    if (!out.identifiers.includes(normalized)) out.identifiers.push(normalized);
  }
  for (const [key, value] of Object.entries(data.customFields ?? {})) {
    if (!blank(value)) out.customFields[key] = value;
  }
  for (const tag of data.tags ?? []) {
    const trimmed = tag.trim();
    if (trimmed && !out.tags.includes(trimmed)) out.tags.push(trimmed);
  }
  return out;
}

/** The key two addresses of one person are compared by (street line + ZIP5). */
export function addressKey(address: PostalAddress): string {
  return addressMatchKey({
    addressLines: address.addressLines,
    locality: address.locality,
    region: address.region,
    postalCode: address.postalCode,
    country: address.country,
  });
}

/** The street part of {@link addressKey}, as stored in `person_address.street_key`. */
export function streetKeyOf(address: PostalAddress): string | null {
  const key = addressKey(address);
  const street = key.split("|")[0] ?? "";
  return street === "" ? null : street;
}

/** ZIP5 of an address, or null. */
export function zip5Of(address: PostalAddress): string | null {
  return address.postalCode ? (zip5(address.postalCode) ?? null) : null;
}

/** Name match key of a possibly missing name. */
export function keyOf(name: string | null | undefined): string | null {
  if (name === null || name === undefined) return null;
  const key = nameMatchKey(name);
  return key === "" ? null : key;
}

/** `"NCSBE:AA1 "` → `"ncsbe:AA1"`: the system is case-insensitive, the id is kept as given (trimmed). */
export function normalizeIdentifier(identifier: string): string {
  const index = identifier.indexOf(":");
  return `${identifier.slice(0, index).toLowerCase()}:${identifier.slice(index + 1).trim()}`;
}
