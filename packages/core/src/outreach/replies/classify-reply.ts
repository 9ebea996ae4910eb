/**
 * The reply classifier: what an inbound text asks for — to stop, to start again, for help, or nothing
 * special (an ordinary reply the texter or the survey handles).
 *
 * @module
 */

import { InvalidInputError } from "../../spec/errors.js";
import { HELP_KEYWORD_SET, OPT_IN_KEYWORD_SET, OPT_OUT_KEYWORD_SET } from "./keywords.js";
import { type NormalizedReply, normalizeReply, type ReplyToken } from "./normalize-reply.js";
import { FILLER_WORDS, KEYWORD_COMPANIONS, OPT_OUT_PATTERNS, OPT_OUT_WORDS } from "./phrases.js";

/**
 * What an inbound text asks for. `opt_out` revokes consent (record it at once); `opt_in` gives it back
 * (START, UNSTOP, YES); `help` asks who is texting; `reply` is everything else.
 */
export type ReplyIntent = "opt_out" | "opt_in" | "help" | "reply";

/** The result of {@link classifyReply}. */
export interface ReplyClassification {
  /** What the text asks for. */
  intent: ReplyIntent;
  /**
   * The standard keyword when the message is one, ignoring case, punctuation, emoji and courtesy words
   * (`"STOP"` for "Stop.", "STOP!! 🛑", "stop please"; `"YES"` for "Yes!"), else `null`. Opt-in and help
   * keywords count only as the whole message: "Yes, I'll be there" is a survey answer, not an opt-in.
   * An `extraOptOutKeywords` entry is reported upper-cased.
   */
  keyword: string | null;
  /**
   * True when the provider itself answers this message: the whole message is a single standard keyword
   * (STOP, STOPALL, UNSUBSCRIBE, CANCEL, END, QUIT, REVOKE, OPTOUT, START, UNSTOP, YES, HELP, INFO) and
   * nothing else but punctuation, emoji and spaces. Providers match single words only ("STOP PLEASE" is not
   * caught by Twilio), so when this is false the engine sends its own confirmation; when it is true and the
   * provider handles keywords, a second reply would be a duplicate (Twilio answers it with error 21610).
   */
  providerKeyword: boolean;
  /**
   * The words that made it an opt-out when it was plain language, lower-cased and without accents or
   * punctuation, as written ("take me off ur list", "wrong number", "para"), else `null`.
   */
  matchedPhrase: string | null;
  /**
   * The sender says we have the wrong person or number ("wrong number", "no one here by that name"), also
   * with an opt-out ("wrong number, stop"). Such a reply is always an opt-out: we never keep texting a
   * stranger who did not consent, and the person we meant to reach is not at this number.
   */
  wrongNumber: boolean;
}

/** Options of {@link classifyReply}. */
export interface ClassifyReplyOptions {
  /**
   * More plain-language opt-outs for this organization ("not interested", "baja de la lista"); matched as
   * whole words anywhere in the text, ignoring case, accents and punctuation, unless negated.
   */
  extraOptOutPhrases?: readonly string[];
  /**
   * More one-word opt-out keywords (`"ARRET"`, `"BAJA"`); they count like STOP, as the message or alone in
   * a clause with courtesy words. The provider does not answer them, so `providerKeyword` stays false.
   */
  extraOptOutKeywords?: readonly string[];
}

// Negations that cancel a following revocation ("don't stop texting me", "I would never unsubscribe").
const NEGATORS: ReadonlySet<string> = new Set([
  "dont",
  "never",
  "not",
  "didnt",
  "wont",
  "cant",
  "shouldnt",
  "wouldnt",
  "doesnt",
  "isnt",
  "aint",
  "nunca",
]);
// Words that may stand between a negation and what it negates ("I don't want you to stop texting me").
const NEGATION_BRIDGES: ReadonlySet<string> = new Set([
  "want",
  "wanna",
  "need",
  "you",
  "yall",
  "to",
  "ever",
  "even",
  "please",
  "i",
  "said",
  "say",
  "mean",
  "meant",
  "like",
  "gonna",
  "going",
  "will",
  "ask",
  "asked",
  "tell",
  "told",
  "think",
  "yet",
  "just",
  "plan",
  "am",
  "be",
  "the",
  "a",
  "have",
  "really",
  "wish",
  "would",
  "dare",
  "we",
]);
const MAX_BRIDGES = 4;
// Negations written as phrases: "no need to unsubscribe me", "why would I opt out?".
const NEGATING_PREFIX = /\b(?:no (?:need|reason) to|why would (?:i|anyone|we))(?: \w+){0,2} ?$/;
// A stop sign (or no-entry sign) sent alone is a STOP.
const STOP_SIGN_ONLY = /^[\s\p{P}]*(?:(?:\u{1F6D1}|\u26D4|\u{1F6AB})\uFE0F?[\s\p{P}]*)+$/u;

const CURATED: readonly { pattern: RegExp; wrongNumber: boolean }[] = OPT_OUT_PATTERNS.map((entry) => ({
  pattern: entry.pattern,
  wrongNumber: entry.wrongNumber === true,
}));

/** A revocation found in one clause. */
interface Hit {
  readonly phrase: string;
  readonly wrongNumber: boolean;
}

/**
 * Classifies an inbound text message.
 *
 * Order of decisions, compliance first:
 * 1. **Opt-out** when the message is a standard opt-out keyword with at most courtesy around it ("STOP",
 *    "Stop.", "stop please", "STOP 🛑"); when any clause is such a keyword, alone or next to "who is this" /
 *    "not interested" ("Wrong number, stop", "Stop. Who is this?"); or when any clause holds a curated
 *    plain-language revocation ("take me off your list", "no me envíes más mensajes") that is not negated
 *    ("don't stop texting me" is not one). A wrong-number reply is always an opt-out.
 * 2. **Opt-in** when the whole message is START, UNSTOP or YES. A survey "Yes" is classified `opt_in` too:
 *    the engine treats an opt-in from a contact who never opted out as an ordinary reply.
 * 3. **Help** when the whole message is HELP or INFO.
 * 4. **Reply** otherwise — including "Stop by the office?", "I quit my job, but I'll vote!", "See you at
 *    the end of the street", "Stop Project 2025!": a keyword inside a sentence about something else is
 *    conversation. When in doubt about a *revocation* the classifier opts out (a false opt-out costs one
 *    contact who can text START; a missed one is a violation), but a sentence must be about our texts, the
 *    list or their number to count.
 *
 * Pure and synchronous; safe to call on every inbound message.
 *
 * @throws InvalidInputError when `body` is not a string, or an extra keyword is not one word / an extra
 * phrase has no words.
 */
export function classifyReply(body: string, options: ClassifyReplyOptions = {}): ReplyClassification {
  if (typeof body !== "string") {
    throw new InvalidInputError({ field: "body", value: body, reason: "must be a string" });
  }
  const extraKeywords = compileExtraKeywords(options.extraOptOutKeywords ?? []);
  const extraPhrases = compileExtraPhrases(options.extraOptOutPhrases ?? []);
  const clauses = normalizeReply(body);
  const words = clauses.flat();

  const isOptOutKeyword = (token: ReplyToken) =>
    OPT_OUT_KEYWORD_SET.has(token.raw) || extraKeywords.has(token.raw);
  const wholeKeyword = words.find(isOptOutKeyword);
  const onlyKeywordAndCourtesy =
    wholeKeyword !== undefined && words.every((token) => isOptOutKeyword(token) || isCourtesy(token));

  const hits = clauses.map((clause) => findRevocation(clause, extraKeywords, extraPhrases));
  const wrongNumber = hits.some((hit) => hit?.wrongNumber === true);
  const firstHit = hits.find((hit) => hit !== null) ?? null;

  if (onlyKeywordAndCourtesy) {
    return {
      intent: "opt_out",
      keyword: wholeKeyword.raw.toUpperCase(),
      providerKeyword: words.length === 1 && OPT_OUT_KEYWORD_SET.has(wholeKeyword.raw),
      matchedPhrase: null,
      wrongNumber,
    };
  }
  if (firstHit !== null) {
    return {
      intent: "opt_out",
      keyword: null,
      providerKeyword: false,
      matchedPhrase: firstHit.phrase,
      wrongNumber,
    };
  }
  if (words.length === 0 && STOP_SIGN_ONLY.test(body)) {
    return {
      intent: "opt_out",
      keyword: null,
      providerKeyword: false,
      matchedPhrase: body.trim(),
      wrongNumber: false,
    };
  }
  const single = words.length === 1 ? words[0]!.raw : null;
  if (single !== null && OPT_IN_KEYWORD_SET.has(single)) return keywordOnly("opt_in", single);
  if (single !== null && HELP_KEYWORD_SET.has(single)) return keywordOnly("help", single);
  return { intent: "reply", keyword: null, providerKeyword: false, matchedPhrase: null, wrongNumber: false };
}

function keywordOnly(intent: "opt_in" | "help", word: string): ReplyClassification {
  return {
    intent,
    keyword: word.toUpperCase(),
    providerKeyword: true,
    matchedPhrase: null,
    wrongNumber: false,
  };
}

/** The first revocation in one clause: a curated or extra phrase, or a keyword standing alone. */
function findRevocation(
  clause: NormalizedReply[number],
  extraKeywords: ReadonlySet<string>,
  extraPhrases: readonly RegExp[],
): Hit | null {
  const text = clause.map((token) => token.canon).join(" ");
  // Where each token starts in `text`, to map a match back to the words as written.
  const starts: number[] = [];
  let offset = 0;
  for (const token of clause) {
    starts.push(offset);
    offset += token.canon.length + 1;
  }
  const tokenAt = (index: number) => {
    let i = 0;
    while (i + 1 < starts.length && starts[i + 1]! <= index) i++;
    return i;
  };

  let first: { start: number; end: number } | null = null;
  let wrongNumber = false;
  const patterns = [...CURATED, ...extraPhrases.map((pattern) => ({ pattern, wrongNumber: false }))];
  for (const entry of patterns) {
    for (const match of text.matchAll(entry.pattern)) {
      const start = tokenAt(match.index);
      if (isNegated(clause, start, text.slice(0, match.index))) continue;
      const end = tokenAt(match.index + Math.max(match[0].length - 1, 0));
      if (first === null || start < first.start) first = { start, end };
      if (entry.wrongNumber) wrongNumber = true;
      break;
    }
  }
  if (first !== null) {
    const phrase = clause
      .slice(first.start, first.end + 1)
      .map((token) => token.raw)
      .join(" ");
    return { phrase, wrongNumber };
  }
  return keywordAlone(clause, extraKeywords)
    ? { phrase: clause.map((token) => token.raw).join(" "), wrongNumber: false }
    : null;
}

/**
 * True when the clause is an opt-out word with only courtesy around it, or beside a companion such as
 * "who is this" or "not interested" ("STOP who is this", "not interested stop").
 */
function keywordAlone(clause: NormalizedReply[number], extraKeywords: ReadonlySet<string>): boolean {
  const isKeyword = (token: ReplyToken) =>
    OPT_OUT_WORDS.has(token.canon) || OPT_OUT_KEYWORD_SET.has(token.raw) || extraKeywords.has(token.raw);
  const acceptable = (side: readonly ReplyToken[]) => {
    if (side.every((token) => isKeyword(token) || isCourtesy(token))) return true;
    const trimmed = trimCourtesy(side);
    return (
      KEYWORD_COMPANIONS.test(side.map((token) => token.canon).join(" ")) ||
      KEYWORD_COMPANIONS.test(trimmed.map((token) => token.canon).join(" "))
    );
  };
  return clause.some(
    (token, index) =>
      isKeyword(token) && acceptable(clause.slice(0, index)) && acceptable(clause.slice(index + 1)),
  );
}

/** Courtesy and noise beside an opt-out keyword; a help keyword too ("HELP STOP" still means stop). */
function isCourtesy(token: ReplyToken): boolean {
  return FILLER_WORDS.has(token.canon) || HELP_KEYWORD_SET.has(token.raw);
}

function trimCourtesy(tokens: readonly ReplyToken[]): readonly ReplyToken[] {
  let start = 0;
  let end = tokens.length;
  while (start < end && isCourtesy(tokens[start]!)) start++;
  while (end > start && isCourtesy(tokens[end - 1]!)) end--;
  return tokens.slice(start, end);
}

/**
 * True when the words just before a match negate it: a negation, possibly followed by up to four bridge
 * words ("don't stop…", "I don't want you to stop…", "I would never unsubscribe"), or a negating phrase
 * ("no need to remove me", "why would I opt out").
 */
function isNegated(clause: NormalizedReply[number], first: number, before: string): boolean {
  let bridges = 0;
  for (let i = first - 1; i >= 0; i--) {
    const word = clause[i]!.canon;
    if (NEGATORS.has(word)) return true;
    if (!NEGATION_BRIDGES.has(word) || ++bridges > MAX_BRIDGES) break;
  }
  return NEGATING_PREFIX.test(before);
}

function compileExtraKeywords(keywords: readonly string[]): ReadonlySet<string> {
  const set = new Set<string>();
  keywords.forEach((keyword, index) => {
    const words = typeof keyword === "string" ? normalizeReply(keyword).flat() : [];
    if (words.length !== 1) {
      throw new InvalidInputError({
        field: `extraOptOutKeywords.${index}`,
        value: keyword,
        reason: "must be exactly one word; put phrases in extraOptOutPhrases",
      });
    }
    set.add(words[0]!.raw);
  });
  return set;
}

function compileExtraPhrases(phrases: readonly string[]): readonly RegExp[] {
  return phrases.map((phrase, index) => {
    const words = typeof phrase === "string" ? normalizeReply(phrase).flat() : [];
    if (words.length === 0) {
      throw new InvalidInputError({
        field: `extraOptOutPhrases.${index}`,
        value: phrase,
        reason: "must contain at least one word",
      });
    }
    const text = words.map((token) => token.canon).join(" ");
    return new RegExp(`(?<=^| )${escapeRegExp(text)}(?= |$)`, "gu");
  });
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
