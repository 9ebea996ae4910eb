import { z } from "zod";
import { CustomFields, E164, EntityBase, Id, Identifier, IsoDate } from "./common.js";

/**
 * An email address of a person. `status` is about deliverability; whether the person wants email is in the
 * consent ledger, never here.
 */
export const EmailAddress = z.object({
  /** The address, trimmed and lower case. */
  address: z.email(),
  /** The one address to use when only one is used. */
  primary: z.boolean().default(false),
  /** OSDI `address_type`. */
  addressType: z.enum(["personal", "work", "other"]).default("personal"),
  /** Deliverability as last observed. */
  status: z.enum(["active", "bouncing", "invalid", "unknown"]).default("unknown"),
});
/** An email address of a person. */
export type EmailAddress = z.infer<typeof EmailAddress>;

/** A phone number of a person. Consent to text or call lives in the consent ledger. */
export const PhoneNumber = z.object({
  /** E.164 number. */
  number: E164,
  /** The one number to use when only one is used. */
  primary: z.boolean().default(false),
  /** What the person or source said the number is (OSDI `number_type`). */
  numberType: z.enum(["mobile", "home", "work", "other"]).default("other"),
  /** Line type from a carrier lookup, when one was made. Landlines are excluded from texting. */
  lineType: z.enum(["mobile", "landline", "voip", "unknown"]).default("unknown"),
  /** Reachability as last observed (a "wrong number" disposition sets `wrong_number`). */
  status: z.enum(["active", "wrong_number", "disconnected", "unknown"]).default("unknown"),
});
/** A phone number of a person. */
export type PhoneNumber = z.infer<typeof PhoneNumber>;

/** A postal address of a person (US-normalized when the country is US). */
export const PostalAddress = z.object({
  /** Street lines, e.g. `["123 N Main St", "Apt 4B"]`. */
  addressLines: z.array(z.string()).default([]),
  /** City. */
  locality: z.string().nullable().default(null),
  /** State or region code, e.g. `NC`. */
  region: z.string().nullable().default(null),
  /** ZIP or ZIP+4. */
  postalCode: z.string().nullable().default(null),
  /** ISO-3166 alpha-2 country. */
  country: z.string().length(2).default("US"),
  /** The one address to use when only one is used. */
  primary: z.boolean().default(false),
  /** OSDI `address_type`. */
  addressType: z.enum(["home", "mailing", "work", "other"]).default("home"),
  /** Deliverability as last observed. */
  status: z.enum(["active", "undeliverable", "moved", "unknown"]).default("unknown"),
});
/** A postal address of a person. */
export type PostalAddress = z.infer<typeof PostalAddress>;

/** A person: a supporter, volunteer, voter or contact. Field names follow OSDI in camelCase. */
export const Person = EntityBase.extend({
  /** First name. */
  givenName: z.string().nullable(),
  /** Last name. */
  familyName: z.string().nullable(),
  /** Middle name(s). */
  additionalName: z.string().nullable(),
  /** "Dr.", "Rev.", ... */
  honorificPrefix: z.string().nullable(),
  /** "Jr.", "III", ... */
  honorificSuffix: z.string().nullable(),
  /** Birth date when known. */
  birthdate: IsoDate.nullable(),
  /** Birth year when only the year is known (voter files often give only this). */
  birthYear: z.number().int().nullable(),
  /** Gender as the person or source gave it. */
  gender: z.string().nullable(),
  /** Preferred language (BCP-47 tag such as `es`). */
  languageSpoken: z.string().nullable(),
  /** The household the person belongs to. */
  householdId: Id.nullable(),
  /** Email addresses. */
  emailAddresses: z.array(EmailAddress),
  /** Phone numbers. */
  phoneNumbers: z.array(PhoneNumber),
  /** Postal addresses. */
  postalAddresses: z.array(PostalAddress),
  /** External identifiers, `"system:id"`. */
  identifiers: z.array(Identifier),
  /** Organization-defined fields. */
  customFields: CustomFields,
  /** Tag names. */
  tags: z.array(z.string()),
});
/** A person. */
export type Person = z.infer<typeof Person>;

/**
 * What `people.upsert()` accepts: every field optional. Values are normalized before matching (E.164 phones,
 * lower-case emails, name case, USPS address forms); an empty value never overwrites a stored one.
 */
export const PersonInput = z
  .object({
    givenName: z.string().nullish(),
    familyName: z.string().nullish(),
    additionalName: z.string().nullish(),
    honorificPrefix: z.string().nullish(),
    honorificSuffix: z.string().nullish(),
    birthdate: z.union([z.string(), z.date()]).nullish(),
    birthYear: z.number().int().min(1850).max(2200).nullish(),
    gender: z.string().nullish(),
    languageSpoken: z.string().nullish(),
    householdId: Id.nullish(),
    emailAddresses: z
      .array(z.object({ address: z.string() }).extend(EmailAddress.omit({ address: true }).partial().shape))
      .optional(),
    phoneNumbers: z
      .array(z.object({ number: z.string() }).extend(PhoneNumber.omit({ number: true }).partial().shape))
      .optional(),
    postalAddresses: z.array(PostalAddress.partial()).optional(),
    identifiers: z.array(Identifier).optional(),
    customFields: CustomFields.optional(),
    tags: z.array(z.string().min(1)).optional(),
  })
  .strict();
/** What `people.upsert()` accepts. */
export type PersonInput = z.input<typeof PersonInput>;
