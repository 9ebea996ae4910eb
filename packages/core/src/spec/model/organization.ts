import { z } from "zod";
import { Id, Timestamp } from "./common.js";

/**
 * The tenant. Every row belongs to one organization; a chapter points at its parent. An alliance shares data
 * only through explicit grants, never by default.
 */
export const Organization = z.object({
  /** Row id. */
  id: Id,
  /** Display name, e.g. "Durham for All". */
  name: z.string().min(1),
  /** URL-safe unique handle, e.g. "durham-for-all". */
  slug: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, "expected lower case letters, digits and dashes"),
  /** The parent organization of a chapter. */
  parentId: Id.nullable(),
  /** IANA time zone used for schedules when a recipient's own zone is unknown. */
  timeZone: z.string().default("America/New_York"),
  /** The postal address required in bulk email footers. */
  postalAddress: z.string().nullable().default(null),
  /** Reply sent to HELP/INFO texts. */
  helpText: z.string().nullable().default(null),
  /** When the row was created. */
  createdAt: Timestamp,
  /** When the row was last changed. */
  updatedAt: Timestamp,
});
/** An organization (tenant). */
export type Organization = z.infer<typeof Organization>;

/** What `organizations.create()` accepts. */
export const OrganizationInput = Organization.pick({ name: true, slug: true })
  .extend({
    parentId: Id.nullish(),
    timeZone: z.string().optional(),
    postalAddress: z.string().nullish(),
    helpText: z.string().nullish(),
  })
  .strict();
/** What `organizations.create()` accepts. */
export type OrganizationInput = z.input<typeof OrganizationInput>;
