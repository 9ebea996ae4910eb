/**
 * String similarity for names: Jaro–Winkler and a bounded Damerau–Levenshtein distance, and the typo test
 * matching builds on them. Inputs are match keys (`nameMatchKey`): lower case, no accents, no punctuation.
 *
 * @module
 */

/**
 * Jaro–Winkler similarity of two strings: 1 for identical strings, 0 for strings with nothing in common.
 * Common prefixes (up to four characters) count extra, which suits names: typos are rarer at the start.
 *
 * @param a - A string.
 * @param b - Another string.
 * @returns The similarity in `[0, 1]`.
 */
export function jaroWinkler(a: string, b: string): number {
  if (a === b) return 1;
  if (a.length === 0 || b.length === 0) return 0;
  const window = Math.max(0, Math.floor(Math.max(a.length, b.length) / 2) - 1);
  const aMatched = new Array<boolean>(a.length).fill(false);
  const bMatched = new Array<boolean>(b.length).fill(false);
  let matches = 0;
  for (let i = 0; i < a.length; i++) {
    const from = Math.max(0, i - window);
    const to = Math.min(b.length - 1, i + window);
    for (let j = from; j <= to; j++) {
      if (bMatched[j] || a[i] !== b[j]) continue;
      aMatched[i] = true;
      bMatched[j] = true;
      matches++;
      break;
    }
  }
  if (matches === 0) return 0;
  let transpositions = 0;
  let j = 0;
  for (let i = 0; i < a.length; i++) {
    if (!aMatched[i]) continue;
    while (!bMatched[j]) j++;
    if (a[i] !== b[j]) transpositions++;
    j++;
  }
  const jaro = (matches / a.length + matches / b.length + (matches - transpositions / 2) / matches) / 3;
  let prefix = 0;
  while (prefix < 4 && prefix < a.length && prefix < b.length && a[prefix] === b[prefix]) prefix++;
  return jaro + prefix * 0.1 * (1 - jaro);
}

/**
 * The Damerau–Levenshtein distance (optimal string alignment: insertions, deletions, substitutions and
 * swaps of adjacent characters, each costing 1), computed only as far as `max`.
 *
 * @param a - A string.
 * @param b - Another string.
 * @param max - Stop once the distance must exceed this. Default: no limit.
 * @returns The distance, or `max + 1` when it is larger than `max`.
 */
export function editDistance(a: string, b: string, max = Number.POSITIVE_INFINITY): number {
  if (a === b) return 0;
  if (Math.abs(a.length - b.length) > max) return max + 1;
  if (a.length === 0) return b.length;
  if (b.length === 0) return a.length;
  // Three rows of the matrix, reused across calls: matching compares many keys per person.
  const width = b.length + 1;
  if (rows.length < 3 * width) rows = new Int32Array(6 * width);
  let before = 0;
  let previous = width;
  let current = 2 * width;
  for (let j = 0; j < width; j++) rows[previous + j] = j;
  for (let i = 1; i <= a.length; i++) {
    rows[current] = i;
    let rowMin = i;
    for (let j = 1; j <= b.length; j++) {
      const cost = a.charCodeAt(i - 1) === b.charCodeAt(j - 1) ? 0 : 1;
      let value = Math.min(
        rows[previous + j]! + 1,
        rows[current + j - 1]! + 1,
        rows[previous + j - 1]! + cost,
      );
      if (
        i > 1 &&
        j > 1 &&
        a.charCodeAt(i - 1) === b.charCodeAt(j - 2) &&
        a.charCodeAt(i - 2) === b.charCodeAt(j - 1)
      ) {
        value = Math.min(value, rows[before + j - 2]! + 1);
      }
      rows[current + j] = value;
      if (value < rowMin) rowMin = value;
    }
    if (rowMin > max) return max + 1;
    [before, previous, current] = [previous, current, before];
  }
  const distance = rows[previous + b.length]!;
  return distance > max ? max + 1 : distance;
}

let rows = new Int32Array(96);

/**
 * Whether two different name keys look like one name with a keying error: one edit (a wrong, dropped,
 * doubled or swapped letter) when the shorter has at least 3 letters, or when a 3-letter name lost or
 * changed one (`lee` / `le`); two edits from 8 letters on; or a Jaro–Winkler similarity of at least 0.95
 * from 6 letters on.
 *
 * @param a - A name match key.
 * @param b - Another name match key.
 * @returns `false` for identical keys (that is not a typo) and for short or distant ones.
 */
export function isLikelyTypo(a: string, b: string): boolean {
  if (a === b) return false;
  const shorter = Math.min(a.length, b.length);
  if (shorter < 3) return shorter === 2 && Math.max(a.length, b.length) === 3 && editDistance(a, b, 1) === 1;
  const distance = editDistance(a, b, 3);
  if (distance <= 1) return true;
  if (distance === 2 && shorter >= 8) return true;
  // Jaro–Winkler of 0.95 between names this long takes more than one edit but rarely more than three.
  return distance <= 3 && shorter >= 6 && jaroWinkler(a, b) >= 0.95;
}
