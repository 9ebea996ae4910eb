/**
 * "Did you mean …?" for merge fields: the known field an organizer most likely meant.
 *
 * @internal
 * @module
 */

/**
 * Names people use for the fields Precinct calls by their OSDI names. `firstName` is four edits away from
 * `givenName`, too far for spelling distance, yet it is what most organizers type first.
 */
const SYNONYMS: Readonly<Record<string, readonly string[]>> = {
  firstname: ["givenName"],
  first: ["givenName"],
  fname: ["givenName"],
  forename: ["givenName"],
  name: ["givenName", "fullName"],
  lastname: ["familyName"],
  last: ["familyName"],
  lname: ["familyName"],
  surname: ["familyName"],
  middlename: ["additionalName"],
  suffix: ["honorificSuffix"],
  fullname: ["fullName"],
  zipcode: ["zip"],
  postalcode: ["zip"],
  postcode: ["zip"],
  org: ["organization"],
  orgname: ["organization"],
  organisation: ["organization"],
  organizationname: ["organization"],
  group: ["organization"],
  texter: ["texterName"],
  sender: ["texterName"],
  sendername: ["texterName"],
  volunteer: ["texterName"],
  volunteername: ["texterName"],
  email: ["emailAddress", "email"],
  phone: ["phoneNumber", "phone"],
};

/** Lower case without separators, so `given_name`, `Given Name` and `givenname` compare equal. */
function key(name: string): string {
  return name.toLowerCase().replace(/[^a-z0-9]/g, "");
}

/** @internal The known field `name` most likely meant, or `null` when none is close. */
export function closestField(name: string, known: readonly string[]): string | null {
  const wanted = key(name);
  if (wanted === "") return null;
  const same = known.find((field) => key(field) === wanted);
  if (same !== undefined) return same;
  const synonym = SYNONYMS[wanted]?.find((field) => known.includes(field));
  if (synonym !== undefined) return synonym;
  // Spelling distance, allowing about one typo per three letters.
  const limit = Math.max(1, Math.floor(wanted.length / 3));
  let best: string | null = null;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const field of known) {
    const distance = editDistance(wanted, key(field));
    if (distance <= limit && distance < bestDistance) {
      best = field;
      bestDistance = distance;
    }
  }
  return best;
}

/** Levenshtein distance with adjacent transpositions counted as one edit (`gviename` → `givenname`). */
function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[][] = Array.from({ length: rows }, (_, i) =>
    Array.from({ length: cols }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let value = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        value = Math.min(value, d[i - 2]![j - 2]! + 1);
      }
      d[i]![j] = value;
    }
  }
  return d[a.length]![b.length]!;
}
