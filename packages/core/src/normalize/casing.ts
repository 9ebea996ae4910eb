/**
 * Smart title case for names and street names. Voter files arrive in ALL CAPS; people type in all lower
 * case; anything in mixed case was cased by a human (`McDonald`, `DeShawn`, `van der Berg`) and is kept.
 *
 * @module
 * @internal
 */

/**
 * Lower-case name particles (`de`, `van`, `y`, ...), kept lower case when they are not the first word
 * (`Maria de la Cruz`), and not a surname on their own when names are compared.
 */
export const NAME_PARTICLES: ReadonlySet<string> = new Set([
  "da",
  "das",
  "de",
  "del",
  "della",
  "der",
  "di",
  "do",
  "dos",
  "du",
  "la",
  "le",
  "ten",
  "ter",
  "van",
  "von",
  "y",
]);

/** Options for {@link smartTitleCase}. */
export interface TitleCaseOptions {
  /** Keep name particles (`de`, `van`, ...) lower case when they are not the first word. */
  particles?: boolean;
}

/** @internal True when `text` has cased letters and all of them are upper case, or all lower case. */
export function isSingleCase(text: string): boolean {
  const upper = text.toUpperCase();
  const lower = text.toLowerCase();
  return upper !== lower && (text === upper || text === lower);
}

/**
 * @internal Title-cases `text` when it is all upper or all lower case; returns it unchanged otherwise.
 * `text` must already have its whitespace collapsed.
 */
export function smartTitleCase(text: string, options: TitleCaseOptions = {}): string {
  if (!isSingleCase(text)) return text;
  return text
    .split(" ")
    .map((word, index) => {
      const lower = word.toLowerCase();
      if (options.particles === true && index > 0 && NAME_PARTICLES.has(lower)) return lower;
      return titleCaseWord(lower);
    })
    .join(" ");
}

/** Title-cases each part of a lower-case word between `-`, `.` and `/` (`smith-jones`, `j.r.`). */
function titleCaseWord(word: string): string {
  return word
    .split(/([-./])/u)
    .map((part) => titleCasePart(part))
    .join("");
}

function titleCasePart(part: string): string {
  // One letter and an apostrophe is a prefix (O'Brien, D'Angelo, L'Esperance); with a longer first half the
  // apostrophe is inside a given name (De'andre) and the rest stays lower case.
  const elided = /^(\p{L})'(\p{L}.*)$/u.exec(part);
  if (elided !== null) return `${elided[1]!.toUpperCase()}'${titleCasePart(elided[2]!)}`;
  // "Mc" is always a prefix in English surnames. "Mac" is not (Mack, Macy, Machado), so it is left alone:
  // a wrong MacK would be worse than a missing MacDonald.
  if (/^mc\p{L}{2,}/u.test(part)) return `Mc${capitalize(part.slice(2))}`;
  return capitalize(part);
}

/** Upper-cases the first letter when nothing but punctuation precedes it (`1st` stays `1st`). */
function capitalize(part: string): string {
  return part.replace(/^([^\p{L}\p{N}]*)(\p{L})/u, (_match, lead: string, letter: string) => {
    return `${lead}${letter.toUpperCase()}`;
  });
}
