/**
 * The standard texting keywords: the words carriers and providers recognise on their own.
 *
 * @module
 */

/**
 * Opt-out keywords. Every US carrier honours STOP, STOPALL, UNSUBSCRIBE, CANCEL, END and QUIT; Twilio also
 * treats REVOKE and OPTOUT as opt-outs. A provider that handles keywords answers these itself.
 */
export const OPT_OUT_KEYWORDS = [
  "STOP",
  "STOPALL",
  "UNSUBSCRIBE",
  "CANCEL",
  "END",
  "QUIT",
  "REVOKE",
  "OPTOUT",
] as const;

/** Opt-in keywords: they undo an earlier opt-out (a new consent event; the opt-out itself is never deleted). */
export const OPT_IN_KEYWORDS = ["START", "UNSTOP", "YES"] as const;

/** Help keywords: the sender asks who is texting and how to stop. */
export const HELP_KEYWORDS = ["HELP", "INFO"] as const;

/** A standard opt-out keyword. */
export type OptOutKeyword = (typeof OPT_OUT_KEYWORDS)[number];
/** A standard opt-in keyword. */
export type OptInKeyword = (typeof OPT_IN_KEYWORDS)[number];
/** A standard help keyword. */
export type HelpKeyword = (typeof HELP_KEYWORDS)[number];

/** @internal Lower-case lookups, built once. */
export const OPT_OUT_KEYWORD_SET: ReadonlySet<string> = new Set(OPT_OUT_KEYWORDS.map((k) => k.toLowerCase()));
/** @internal */
export const OPT_IN_KEYWORD_SET: ReadonlySet<string> = new Set(OPT_IN_KEYWORDS.map((k) => k.toLowerCase()));
/** @internal */
export const HELP_KEYWORD_SET: ReadonlySet<string> = new Set(HELP_KEYWORDS.map((k) => k.toLowerCase()));
