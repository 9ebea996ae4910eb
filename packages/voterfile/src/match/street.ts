/**
 * The parts of a street key (the street part of `addressMatchKey`: `123 n main st apt 4b`) that address
 * comparison needs: the house number, the building (everything before the unit) and the unit.
 *
 * @module
 */

/** Unit designators as they appear in a street key (`#`, `Unit` and `Ste` are already folded to `apt`). */
const NUMBERED_UNITS: ReadonlySet<string> = new Set([
  "apt",
  "bldg",
  "dept",
  "fl",
  "hngr",
  "lot",
  "pier",
  "rm",
  "slip",
  "spc",
  "stop",
  "trlr",
  "ph",
]);

/** Designators that stand alone at the end of a line (`123 Main St Rear`). */
const BARE_UNITS: ReadonlySet<string> = new Set([
  "bsmt",
  "frnt",
  "lbby",
  "lowr",
  "ofc",
  "rear",
  "side",
  "uppr",
]);

/** A street key split for comparison. */
export interface StreetParts {
  /** The whole street key. */
  key: string;
  /** The building: house number and street, without the unit (`123 n main st`). */
  building: string;
  /** The unit (`apt 4b`), or `null` when there is none. */
  unit: string | null;
  /** The house number (`123`), or `null` when the key does not start with one. */
  number: string | null;
  /** The street without the house number (`n main st`). */
  street: string;
}

/**
 * Splits a street key into building and unit. A designator counts as a unit only when a number or a single
 * letter follows it, the rule the address normalizer uses, so `123 parking lot rd` keeps its "lot".
 *
 * @param key - A street key, e.g. `123 n main st apt 4b`.
 * @returns Its parts.
 */
export function splitStreetKey(key: string): StreetParts {
  const words = key.split(" ").filter((word) => word !== "");
  let unitAt = words.length;
  for (let index = 1; index < words.length; index++) {
    const word = words[index]!;
    const next = words[index + 1];
    if (NUMBERED_UNITS.has(word) && next !== undefined && /^(?:.*\d.*|[a-z])$/u.test(next)) {
      unitAt = index;
      break;
    }
    if (index === words.length - 1 && index >= 2 && BARE_UNITS.has(word)) {
      unitAt = index;
      break;
    }
  }
  const buildingWords = words.slice(0, unitAt);
  const number = buildingWords.length > 1 && /\d/u.test(buildingWords[0]!) ? buildingWords[0]! : null;
  return {
    key,
    building: buildingWords.join(" "),
    unit: unitAt < words.length ? words.slice(unitAt).join(" ") : null,
    number,
    street: (number === null ? buildingWords : buildingWords.slice(1)).join(" "),
  };
}
