/**
 * The merge fields a campaign template may use, and how their values are found for one recipient.
 *
 * @module
 */

/** Every merge field a template may use, with what it holds. */
export const MERGE_FIELDS = {
  givenName: "The recipient's first name (the voter file's, else the person's).",
  familyName: "The recipient's last name.",
  fullName: "First and last name.",
  county: "County of registration.",
  precinct: "Precinct code.",
  zip: "ZIP code of the residential address.",
  organization: "Your organization's name.",
  texterName: "The P2P texter's first name (empty for blasts).",
} as const;

/** The name of a merge field. */
export type MergeField = keyof typeof MERGE_FIELDS;

/** The names of every merge field. */
export const MERGE_FIELD_NAMES = Object.keys(MERGE_FIELDS) as MergeField[];

/**
 * @internal Stands in for `{{texterName}}` when a P2P campaign is launched, before anyone is assigned;
 * replaced with the texter's name (or the field's fallback) when a batch is handed out.
 */
export const TEXTER_PLACEHOLDER = "\u2063texterName\u2063";

/** What a recipient's merge values are computed from. */
export interface MergeSource {
  readonly givenName?: string | null;
  readonly familyName?: string | null;
  readonly county?: string | null;
  readonly precinct?: string | null;
  readonly zip?: string | null;
}

/** The merge values of one recipient. */
export function mergeValues(
  source: MergeSource,
  extra: { readonly organization: string; readonly texterName?: string | null },
): Record<MergeField, string | null> {
  const given = clean(source.givenName);
  const family = clean(source.familyName);
  return {
    givenName: given,
    familyName: family,
    fullName: [given, family].filter(Boolean).join(" ") || null,
    county: clean(source.county),
    precinct: clean(source.precinct),
    zip: clean(source.zip),
    organization: extra.organization,
    texterName: clean(extra.texterName),
  };
}

function clean(value: string | null | undefined): string | null {
  const trimmed = value?.trim();
  return trimmed ? trimmed : null;
}
