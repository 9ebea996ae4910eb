/**
 * Name tables for synthetic voters: common US given names and surnames, with the shapes matching has to
 * cope with (accents, apostrophes, `Mc`, particles, hyphenated surnames, generational suffixes), and the
 * ways people misspell or shorten them. Every character is Latin-1, so North Carolina's Latin-1 files can
 * carry them.
 *
 * @module
 */

import { NICKNAME_GROUPS, nameMatchKey } from "@precinct/core";
import { type Rng, WeightedTable } from "./random.js";

/** Parses `"Name:weight, Name, ..."` (weight 1 when absent) into a weighted table. */
function table(text: string): WeightedTable<string> {
  return new WeightedTable(
    text
      .split(",")
      .map((entry) => entry.trim())
      .filter((entry) => entry !== "")
      .map((entry) => {
        const [name, weight] = entry.split(":");
        return [name as string, weight === undefined ? 1 : Number(weight)] as const;
      }),
  );
}

/** Men's given names, weighted roughly by how common they are among adults. */
export const MALE_GIVEN_NAMES = table(
  "James:8,Robert:8,John:8,Michael:8,William:7,David:7,Richard:5,Joseph:5,Thomas:5,Charles:5,Christopher:5," +
    "Daniel:5,Matthew:4,Anthony:4,Mark:4,Donald:4,Steven:4,Paul:3,Andrew:3,Joshua:3,Kenneth:3,Kevin:3,Brian:3," +
    "George:3,Timothy:3,Ronald:3,Edward:3,Jason:3,Jeffrey:3,Ryan:3,Jacob:3,Gary:2,Nicholas:2,Eric:2," +
    "Jonathan:2,Stephen:2,Larry:2,Justin:2,Scott:2,Brandon:2,Benjamin:2,Samuel:2,Gregory:2,Alexander:2," +
    "Frank:2,Patrick:2,Raymond:2,Jack:2,Dennis:2,Jerry:2,Tyler:2,Aaron:2,José:2,Adam:2,Nathan:2,Henry:2," +
    "Douglas:2,Zachary:2,Peter:2,Kyle:2,Noah:2,Ethan:2,Jeremy:2,Walter:2,Christian,Keith,Roger,Terry,Austin," +
    "Sean,Gerald,Carl,Harold,Dylan,Arthur,Lawrence,Jordan,Jesse,Bryan,Billy,Bruce,Gabriel,Logan,Alan,Juan," +
    "Albert,Willie,Elijah,Wayne,Randy,Vincent,Mason,Roy,Ralph,Bobby,Russell,Bradley,Philip,Eugene,Liam,Carlos," +
    "Luis,Miguel,Jesús,Andrés,Ángel,Raúl,Tomás,Joaquín,Francisco,DeShawn,Jamal,Tyrone,Darnell,Terrell,Minh," +
    "Wei,Rajesh,Sanjay,Hiroshi,Mohammed,Omar",
);

/** Women's given names, weighted roughly by how common they are among adults. */
export const FEMALE_GIVEN_NAMES = table(
  "Mary:8,Patricia:7,Jennifer:7,Linda:6,Elizabeth:6,Barbara:5,Susan:5,Jessica:5,Sarah:5,Karen:5,Lisa:4," +
    "Nancy:4,Betty:3,Sandra:3,Margaret:4,Ashley:4,Kimberly:4,Emily:4,Donna:3,Michelle:3,Carol:3,Amanda:3," +
    "Melissa:3,Deborah:3,Stephanie:3,Dorothy:2,Rebecca:3,Sharon:2,Laura:3,Cynthia:2,Amy:2,Kathleen:2,Angela:2," +
    "Shirley:2,Brenda:2,Emma:2,Anna:2,Pamela:2,Nicole:2,Samantha:2,Katherine:3,Christine:2,Helen:2,Debra:2," +
    "Rachel:2,Carolyn:2,Janet:2,Maria:2,Catherine:2,Heather:2,Diane:2,Olivia:2,Julie:2,Joyce:2,Victoria:2," +
    "Ruth,Virginia,Lauren,Kelly,Christina,Joan,Evelyn,Judith,Andrea,Hannah,Megan,Cheryl,Jacqueline,Martha," +
    "Madison,Teresa,Gloria,Sara,Janice,Ann,Kathryn,Abigail,Sophia,Frances,Jean,Alice,Judy,Isabella,Julia," +
    "Grace,Amber,Denise,Danielle,Marilyn,Beverly,Charlotte,Natalie,Theresa,Diana,Brittany,Doris,Kayla,Alexis," +
    "Lori,María:2,Sofía,Lucía,Guadalupe,Rocío,Mónica,Inés,Zoë,Chloé,Renée,Aaliyah,Keisha,Latoya,Mai,Priya," +
    "Mei,Fatima,Yesenia",
);

/** A surname and where it is common, which nudges the ethnicity code a file records. */
export interface SurnameEntry {
  /** Display spelling. */
  name: string;
  /** Typically Hispanic. */
  hispanic: boolean;
}

const HISPANIC_SURNAMES = new Set(
  (
    "García,Rodríguez,Martínez,Hernández,López,González,Pérez,Sánchez,Ramírez,Torres,Flores,Rivera,Gómez," +
    "Díaz,Reyes,Cruz,Morales,Ortiz,Gutiérrez,Núñez,Peña,Muñoz,Ibáñez,de la Cruz,Castillo,Jiménez,Vásquez," +
    "Romero,Herrera,Medina,Aguilar,Ruiz,Mendoza,Álvarez,Fernández"
  ).split(","),
);

/** Surnames, weighted; includes accented, apostrophe, `Mc`/`Mac` and particle names. */
export const SURNAMES = table(
  "Smith:10,Johnson:8,Williams:7,Brown:7,Jones:7,Miller:6,Davis:6,García:5,Rodríguez:4,Wilson:4,Martínez:4," +
    "Anderson:4,Taylor:4,Thomas:4,Hernández:4,Moore:4,Martin:3,Jackson:3,Thompson:3,White:3,López:3,Lee:3," +
    "González:3,Harris:3,Clark:3,Lewis:3,Robinson:3,Walker:3,Pérez:3,Hall:3,Young:3,Allen:3,Sánchez:3,Wright:3," +
    "King:3,Scott:3,Green:3,Baker:3,Adams:3,Nelson:3,Hill:3,Ramírez:2,Campbell:2,Mitchell:2,Roberts:2,Carter:2," +
    "Phillips:2,Evans:2,Turner:2,Torres:2,Parker:2,Collins:2,Edwards:2,Stewart:2,Flores:2,Morris:2,Nguyen:3," +
    "Murphy:2,Rivera:2,Cook:2,Rogers:2,Morgan:2,Peterson:2,Cooper:2,Reed:2,Bailey:2,Bell:2,Gómez:2,Kelly:2," +
    "Howard:2,Ward:2,Cox:2,Díaz:2,Richardson:2,Wood:2,Watson:2,Brooks:2,Bennett:2,Gray:2,James:2,Reyes:2," +
    "Cruz:2,Hughes:2,Price:2,Myers:2,Long:2,Foster:2,Sanders:2,Ross:2,Morales:2,Powell:2,Sullivan:2,Russell:2," +
    "Ortiz:2,Jenkins:2,Gutiérrez:2,Perry:2,Butler:2,Barnes:2,Fisher:2,Henderson:2,Coleman:2,Simmons:2," +
    "Patterson:2,Jordan:2,Reynolds:2,Hamilton:2,Graham:2,Kim:2,Patel:2,Chen:2,Wang,Shah,Tran,Pham,O'Brien," +
    "O'Neal,O'Connor,D'Angelo,McDonald,McLean,McCoy,McMillan,MacArthur,MacDonald,Núñez,Peña,Muñoz,Ibáñez," +
    "de la Cruz,Castillo,Jiménez,Vásquez,Romero,Herrera,Medina,Aguilar,Ruiz,Mendoza,Álvarez,Fernández," +
    "Van Dyke,DuBois,LeBlanc,St. Clair,Locklear,Oxendine,Chavis,Brewington,Hunt,Jacobs,Bullard,Byrd,Stokes," +
    "Blackwell,Hatcher,Barefoot,Honeycutt,Pope,Strickland,Tart,Holloway,Weaver,Zimmerman,Schmidt,Müller," +
    "Kowalski,Nowak,Sørensen,Björk,Olsen,Larsen,Andersen,Ferreira,Gonçalves,Rossi,Bianchi,Greco,Esposito",
);

/** Whether a surname is typically Hispanic (for the ethnicity code). */
export function isHispanicSurname(name: string): boolean {
  return HISPANIC_SURNAMES.has(name);
}

/** Generational suffixes as voter files write them, weighted. */
export const SUFFIXES = new WeightedTable([
  ["JR", 0.6],
  ["SR", 0.2],
  ["II", 0.07],
  ["III", 0.11],
  ["IV", 0.02],
] as const);

/** Upper case as states write names (`O'Brien` → `O'BRIEN`, `Núñez` → `NÚÑEZ`). */
export function upper(value: string): string {
  return value.toUpperCase();
}

/** Removes accents (`Núñez` → `Nunez`), as US keyboards and old systems do. */
export function stripAccents(value: string): string {
  return value.normalize("NFD").replace(/\p{M}/gu, "").normalize("NFC");
}

/** Match key of the formal name → the other names of its nickname groups, built on first use. */
let nicknamesByKey: Map<string, string[]> | undefined;

/**
 * The nicknames of a given name from core's nickname table (`William` → `Bill`, `Will`, `Billy`, ...):
 * the other members of every group the name heads or belongs to. Empty when the table has none.
 *
 * @param givenName - A given name, any case.
 * @returns Nicknames in table spelling.
 */
export function nicknamesOf(givenName: string): readonly string[] {
  if (nicknamesByKey === undefined) {
    const built = new Map<string, string[]>();
    for (const group of NICKNAME_GROUPS) {
      for (const name of group) {
        const key = nameMatchKey(name);
        const others = built.get(key) ?? [];
        for (const other of group) {
          if (nameMatchKey(other) !== key && !others.includes(other)) others.push(other);
        }
        built.set(key, others);
      }
    }
    nicknamesByKey = built;
  }
  return nicknamesByKey.get(nameMatchKey(givenName)) ?? [];
}

/** Letters next to each other on a US keyboard, for realistic substitutions. */
const NEIGHBOURS: Readonly<Record<string, string>> = {
  a: "qwsz",
  b: "vghn",
  c: "xdfv",
  d: "serfcx",
  e: "wsdr",
  f: "drtgvc",
  g: "ftyhbv",
  h: "gyujnb",
  i: "ujko",
  j: "huikmn",
  k: "jiolm",
  l: "kop",
  m: "njk",
  n: "bhjm",
  o: "iklp",
  p: "ol",
  q: "wa",
  r: "edft",
  s: "awedxz",
  t: "rfgy",
  u: "yhji",
  v: "cfgb",
  w: "qase",
  x: "zsdc",
  y: "tghu",
  z: "asx",
};

/**
 * A one-keystroke typo of a name: a neighbouring key, a dropped, doubled or swapped letter. Keeps the case
 * of the input (upper-case in, upper-case out), never returns the input unchanged, and never returns a
 * string without a letter.
 *
 * @param name - The name, at least two characters for most typos.
 * @param rng - The generator to draw from.
 * @returns The misspelled name.
 */
export function typo(name: string, rng: Rng): string {
  const letters: number[] = [];
  for (let index = 0; index < name.length; index++)
    if (/[a-z]/iu.test(name[index] as string)) letters.push(index);
  if (letters.length === 0) return `${name}X`;
  for (let attempt = 0; attempt < 8; attempt++) {
    const at = rng.pick(letters);
    const char = name[at] as string;
    const isUpper = char !== char.toLowerCase();
    const kind = letters.length < 3 ? 0 : rng.int(4);
    let result: string;
    if (kind === 0) {
      const options = NEIGHBOURS[char.toLowerCase()] ?? "e";
      const replacement = rng.pick([...options]);
      result = name.slice(0, at) + (isUpper ? replacement.toUpperCase() : replacement) + name.slice(at + 1);
    } else if (kind === 1) {
      result = name.slice(0, at) + name.slice(at + 1);
    } else if (kind === 2) {
      result = name.slice(0, at) + char + name.slice(at);
    } else {
      const next = letters.find((index) => index === at + 1) ?? letters.find((index) => index === at - 1);
      if (next === undefined) continue;
      const [first, second] = next > at ? [at, next] : [next, at];
      result = name.slice(0, first) + name[second] + name[first] + name.slice(second + 1);
    }
    if (result !== name && /\p{L}/u.test(result)) return result;
  }
  // Unreachable in practice (a neighbouring key always differs); keeps the contract regardless.
  return `${name.slice(0, -1)}${name.endsWith("X") || name.endsWith("x") ? "Q" : "X"}`;
}
