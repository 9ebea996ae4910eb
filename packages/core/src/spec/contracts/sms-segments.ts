/**
 * SMS segment counting (GSM 03.38 / 3GPP TS 23.038). Carriers bill and rate-limit per segment, so
 * dispatchers, cost estimates and adapters all count the same way.
 *
 * @module
 */

/** The character encoding a text message is sent in. */
export type SmsEncoding = "GSM-7" | "UCS-2";

/** How a message body is encoded and split, as returned by {@link smsSegments}. */
export interface SmsSegmentInfo {
  /** `GSM-7` when every character is in the GSM 03.38 alphabet (basic or extension), else `UCS-2`. */
  readonly encoding: SmsEncoding;
  /** The number of segments (billed message parts), at least 1. */
  readonly segments: number;
  /**
   * The length in encoding units: GSM-7 septets (extension characters such as `€` count 2) or UTF-16 code
   * units for UCS-2 (an emoji outside the Basic Multilingual Plane counts 2).
   */
  readonly characters: number;
  /** Units that fit in one segment at this length: 160 or 153 for GSM-7, 70 or 67 for UCS-2. */
  readonly perSegment: number;
  /** Units still free in the last segment before another segment is needed. */
  readonly remaining: number;
}

/** Units per segment, single-part and multipart (the multipart header takes 7 septets / 3 UCS-2 units). */
const LIMITS: Readonly<Record<SmsEncoding, { single: number; multi: number }>> = {
  "GSM-7": { single: 160, multi: 153 },
  "UCS-2": { single: 70, multi: 67 },
};

/** The GSM 03.38 basic character set (one septet each). */
const GSM_BASIC = new Set(
  "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà",
);

/** The GSM 03.38 extension table (escape + character: two septets each). */
const GSM_EXTENSION = new Set("\f^{}\\[~]|€");

/**
 * Counts the segments a text message body takes.
 *
 * GSM-7 bodies fit 160 septets in one segment and 153 per segment when split; the extension characters
 * `€ [ ] { } \ ^ ~ |` and form feed take two septets. One character outside the GSM alphabet (an emoji, a
 * curly quote, most non-Latin scripts) makes the whole message UCS-2: 70 UTF-16 units, 67 per segment when
 * split. As carriers do, a two-unit character (GSM escape pair, UTF-16 surrogate pair) is never split
 * across segments. An empty body counts as one segment.
 *
 * @example
 * ```ts
 * smsSegments("a".repeat(161)); // { encoding: "GSM-7", segments: 2, characters: 161, perSegment: 153, remaining: 145 }
 * smsSegments("Thanks 👋");     // { encoding: "UCS-2", segments: 1, characters: 9, perSegment: 70, remaining: 61 }
 * ```
 */
export function smsSegments(body: string): SmsSegmentInfo {
  const units: number[] = [];
  let encoding: SmsEncoding = "GSM-7";
  for (const char of body) {
    if (GSM_BASIC.has(char)) units.push(1);
    else if (GSM_EXTENSION.has(char)) units.push(2);
    else {
      encoding = "UCS-2";
      break;
    }
  }
  if (encoding === "UCS-2") {
    units.length = 0;
    // `for...of` walks code points: a surrogate pair is one iteration of length 2.
    for (const char of body) units.push(char.length);
  }

  const characters = units.reduce((sum, n) => sum + n, 0);
  const limits = LIMITS[encoding];
  if (characters <= limits.single) {
    return {
      encoding,
      segments: 1,
      characters,
      perSegment: limits.single,
      remaining: limits.single - characters,
    };
  }

  let segments = 1;
  let used = 0;
  for (const size of units) {
    if (used + size > limits.multi) {
      segments += 1;
      used = 0;
    }
    used += size;
  }
  return { encoding, segments, characters, perSegment: limits.multi, remaining: limits.multi - used };
}
