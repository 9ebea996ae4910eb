/**
 * Turns a reply's text into clauses of comparable words, so that the patterns in `phrases.ts` can be
 * written once in plain lower-case ASCII and still match "Please STOP texting me!!! 🛑", "don’t txt me",
 * "NO ME ENVÍES MÁS MENSAJES" and "take me off ur list".
 *
 * @internal
 * @module
 */

/** One word of a reply. */
export interface ReplyToken {
  /** The word as written, lower-cased, without accents or apostrophes (`"don’t"` → `"dont"`). */
  readonly raw: string;
  /** The word spelled the one way the patterns expect (`"txt"` → `"text"`, `"pls"` → `"please"`). */
  readonly canon: string;
}

/**
 * A reply split into clauses: sentence punctuation, line breaks and emoji end a clause, because they
 * separate thoughts ("Wrong number, stop" is two thoughts; "Stop 🛑 who is this" too).
 */
export type NormalizedReply = readonly (readonly ReplyToken[])[];

// Characters that end a clause. Double quotes and hyphens are not among them: they sit inside a thought.
const CLAUSE_BREAK = /[.!?;,:…\n\r()[\]{}<>—–|/\\¡¿•]+|[\p{Extended_Pictographic}\p{So}]+/u;
// Apostrophes (straight, curly, modifier letter, backtick, acute) join a word: don't → dont, y'all → yall.
const APOSTROPHES = /['‘’‛ʼ`´]/gu;
const NOT_WORD = /[^\p{L}\p{N}]+/u;

/** Misspellings, shorthand and variants, mapped to the one spelling the patterns use. */
const SPELLINGS: ReadonlyMap<string, string> = new Map(
  Object.entries({
    // stop
    stahp: "stop",
    sotp: "stop",
    stpo: "stop",
    stp: "stop",
    // please
    pls: "please",
    plz: "please",
    plse: "please",
    plez: "please",
    pleez: "please",
    pleeze: "please",
    pleaze: "please",
    plss: "please",
    plzz: "please",
    plx: "please",
    pleas: "please",
    // text / message
    txt: "text",
    txts: "texts",
    txtz: "texts",
    textz: "texts",
    txting: "texting",
    txtin: "texting",
    textin: "texting",
    texing: "texting",
    textng: "texting",
    txtng: "texting",
    txted: "texted",
    msg: "message",
    mssg: "message",
    msgs: "messages",
    mssgs: "messages",
    msges: "messages",
    messeges: "messages",
    mesages: "messages",
    msging: "messaging",
    msgng: "messaging",
    messagin: "messaging",
    msj: "mensajes",
    msjs: "mensajes",
    // pronouns and small words
    u: "you",
    ur: "your",
    r: "are",
    ppl: "people",
    dnt: "dont",
    donot: "dont",
    cannot: "cant",
    noone: "noone",
    nomore: "nomore",
    // unsubscribe and its many misspellings
    unsub: "unsubscribe",
    unsuscribe: "unsubscribe",
    unsubcribe: "unsubscribe",
    unsubscibe: "unsubscribe",
    unsubsribe: "unsubscribe",
    unsubscrib: "unsubscribe",
    unscubscribe: "unsubscribe",
    unsubsrcibe: "unsubscribe",
    unsubscirbe: "unsubscribe",
    unsubscrive: "unsubscribe",
    unsubsribed: "unsubscribed",
    // courtesy
    thx: "thanks",
    thnx: "thanks",
    thanx: "thanks",
    thank: "thanks",
    ty: "thanks",
    tysm: "thanks",
    okay: "ok",
    okk: "ok",
    k: "ok",
    kk: "ok",
    porfa: "porfavor",
    xfa: "porfavor",
    pf: "porfavor",
    // numbers
    num: "number",
    nbr: "number",
    numbr: "number",
  }),
);

/** Two-word spellings joined into one canonical word, so patterns need not spell both. */
const PAIRS: ReadonlyMap<string, string> = new Map(
  Object.entries({
    "do not": "dont",
    "did not": "didnt",
    "does not": "doesnt",
    "will not": "wont",
    "can not": "cant",
    "is not": "isnt",
    "i am": "im",
    "any more": "anymore",
    "opt out": "optout",
    "thanks you": "thanks",
    "por favor": "porfavor",
    "x favor": "porfavor",
    "no one": "noone",
    "no more": "nomore",
  }),
);

// "stooop", "stopppp", "sstop": a held-down key is still a STOP.
const STRETCHED_STOP = /^s+t+o+p+$/;
// "pleeeease", "plzzz".
const STRETCHED_PLEASE = /^pl+e+a*s+e*$|^plz+$|^pls+$/;

/** @internal Lower-cases, strips accents and apostrophes; keeps letters and digits of every script. */
export function foldText(text: string): string {
  return text
    .normalize("NFKC")
    .replace(APOSTROPHES, "")
    .normalize("NFD")
    .replace(/\p{M}+/gu, "")
    .toLowerCase();
}

/** @internal The canonical spelling of one folded word. */
export function canonicalWord(word: string): string {
  const mapped = SPELLINGS.get(word);
  if (mapped !== undefined) return mapped;
  if (STRETCHED_STOP.test(word)) return "stop";
  if (STRETCHED_PLEASE.test(word)) return "please";
  return word;
}

/** @internal Splits folded clause text into tokens, joining two-word spellings. */
function tokenize(clause: string): ReplyToken[] {
  const words = clause
    .replace(/#/g, " number ")
    .replace(/&/g, " and ")
    .split(NOT_WORD)
    .filter((word) => word.length > 0);
  const tokens: ReplyToken[] = [];
  for (let i = 0; i < words.length; i++) {
    const word = words[i]!;
    const next = words[i + 1];
    if (next !== undefined) {
      const first = canonicalWord(word);
      const joined = PAIRS.get(`${first} ${canonicalWord(next)}`);
      if (joined !== undefined) {
        tokens.push({ raw: `${word} ${next}`, canon: joined });
        i++;
        continue;
      }
    }
    tokens.push({ raw: word, canon: canonicalWord(word) });
  }
  return tokens;
}

/** @internal Splits a reply into clauses of tokens; clauses without a word are dropped. */
export function normalizeReply(body: string): NormalizedReply {
  return foldText(body)
    .split(CLAUSE_BREAK)
    .map(tokenize)
    .filter((clause) => clause.length > 0);
}
