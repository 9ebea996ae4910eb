/**
 * Builds the RFC 5322 message Gmail's `users.messages.send` takes as `raw`: headers with RFC 2047
 * encoded display names and subjects, a `Message-ID` derived from the idempotency key, and a UTF-8
 * `multipart/alternative` body (text, then HTML) in quoted-printable. Every value that becomes a header is
 * checked first, so a line break in a subject, name or header value can never add a header or a
 * recipient (header injection).
 *
 * @module
 */

import { createHash } from "node:crypto";
import { InvalidInputError, type NamedEmailAddress, type OutboundEmail } from "@precinct/core";
import { z } from "zod";

/** Options for {@link buildMimeMessage}. */
export interface MimeMessageOptions {
  /** The `Date` header. */
  readonly date: Date;
  /**
   * The domain of the `Message-ID` (`<key@domain>`). Default: the domain of the message's `from` address,
   * which is what receiving servers expect.
   */
  readonly messageIdDomain?: string;
}

/**
 * Headers a message's `headers` may not set: the transport writes them itself, and letting a caller set
 * `Cc`/`Bcc` (or a second `To`) would send one rendered message to people whose consent was never checked.
 */
export const RESERVED_HEADERS: ReadonlySet<string> = new Set([
  "from",
  "sender",
  "to",
  "cc",
  "bcc",
  "reply-to",
  "subject",
  "date",
  "message-id",
  "mime-version",
  "content-type",
  "content-transfer-encoding",
  "return-path",
]);

/** The prefix of the headers that carry `customArgs` and the idempotency key. */
export const PRECINCT_HEADER_PREFIX = "X-Precinct-";

/** The header that repeats the idempotency key, in case Gmail replaces our `Message-ID` with its own. */
export const IDEMPOTENCY_KEY_HEADER = `${PRECINCT_HEADER_PREFIX}Idempotency-Key`;

/** The header that carries `categories`, comma-separated: Gmail has no reporting categories of its own. */
export const CATEGORIES_HEADER = `${PRECINCT_HEADER_PREFIX}Categories`;

const CRLF = "\r\n";
/** RFC 5322 §2.1.1: lines SHOULD be at most 78 characters and MUST be at most 998. */
const SOFT_LINE = 78;
const HARD_LINE = 998;
/** RFC 2045 §6.7: quoted-printable lines are at most 76 characters, the soft break's `=` included. */
const QP_LINE = 76;
/** RFC 2047 §2: an encoded-word is at most 75 characters; `=?UTF-8?B?` + `?=` leave 63 for base64. */
const ENCODED_WORD_BYTES = 45;

const emailSchema = z.email();
const MAX_EMAIL_LENGTH = 254;
// RFC 5322 field-name: printable US-ASCII except the colon.
const FIELD_NAME = /^[!-9;-~]+$/;
// RFC 5322 atext plus the space: a display name made only of these needs no quotes.
const ATOM_PHRASE = /^[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~ ]+$/;
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;
const LINE_BREAK = /[\r\n]/;
const CUSTOM_ARG_KEY = /^[A-Za-z0-9_-]+$/;
const SAFE_ID = /^[A-Za-z0-9_-]+(?:\.[A-Za-z0-9_-]+)*$/;
const MAX_SAFE_ID = 120;

/**
 * Builds the RFC 5322 message for one email, with CRLF line endings.
 *
 * Headers, in order: `From`, `To`, `Reply-To` (when given), `Subject`, `Date`, `Message-ID`,
 * `MIME-Version`, the message's `headers` (e.g. `List-Unsubscribe`, `List-Unsubscribe-Post`),
 * `X-Precinct-Idempotency-Key`, one `X-Precinct-<key>` per `customArgs` entry, `X-Precinct-Categories`
 * (the `categories`, comma-separated, when there are any), then the content headers.
 * Display names, the subject and header values that are not plain ASCII are RFC 2047 encoded-words
 * (`=?UTF-8?B?…?=`); long headers are folded at spaces to 78 characters where the value allows it.
 *
 * The body is `text/plain`, `text/html`, or `multipart/alternative` with both (text first, so clients
 * that can show HTML prefer it), UTF-8 and quoted-printable with lines of at most 76 characters.
 *
 * `substitutions`, when given, are applied to the subject, HTML and text first: every occurrence of each
 * tag is replaced by its value in one pass (a value is never searched for tags itself).
 *
 * @param email - The message. `to`, `from`, `subject` and one of `html`/`text` are required.
 * @param options - The `Date` and the `Message-ID` domain.
 * @returns The message text (ASCII only: everything else is encoded).
 * @throws {@link InvalidInputError} naming the field or header: a line break in any header value
 *   (header injection), a malformed address, a reserved or malformed header name, a header line that
 *   cannot be folded under 998 characters, or neither `html` nor `text`.
 */
export function buildMimeMessage(email: OutboundEmail, options: MimeMessageOptions): string {
  const lines: string[] = [];
  const seen = new Set<string>();
  const add = (name: string, value: string, field: string) => {
    const key = name.toLowerCase();
    if (seen.has(key)) {
      throw new InvalidInputError({ field, value: name, reason: `repeats the ${name} header` });
    }
    seen.add(key);
    lines.push(foldHeader(name, value, field));
  };

  const from = formatAddress(email.from, "from");
  add("From", from.header, "from");
  add("To", formatAddress(email.to, "to").header, "to");
  if (email.replyTo !== undefined) add("Reply-To", formatAddress(email.replyTo, "replyTo").header, "replyTo");
  if (typeof email.subject !== "string") {
    throw new InvalidInputError({ field: "subject", value: email.subject, reason: "must be a string" });
  }
  const substitute = substitutions(email.substitutions);
  add("Subject", unstructured(substitute(email.subject), "subject"), "subject");
  add("Date", formatDate(options.date), "date");
  const idDomain = options.messageIdDomain ?? from.domain;
  add("Message-ID", messageId(email.idempotencyKey, idDomain), "idempotencyKey");
  add("MIME-Version", "1.0", "headers");

  for (const [name, value] of Object.entries(email.headers ?? {})) {
    const field = `headers.${name}`;
    if (!FIELD_NAME.test(name)) {
      throw new InvalidInputError({
        field,
        value: name,
        reason: "is not a valid header name (printable ASCII without spaces or colons)",
      });
    }
    const key = name.toLowerCase();
    if (RESERVED_HEADERS.has(key) || key.startsWith("content-")) {
      throw new InvalidInputError({
        field,
        value: name,
        reason: "is set by the transport from the message's own fields and cannot be overridden",
      });
    }
    if (key.startsWith(PRECINCT_HEADER_PREFIX.toLowerCase())) {
      throw new InvalidInputError({
        field,
        value: name,
        reason: `is reserved for Precinct (customArgs become ${PRECINCT_HEADER_PREFIX}<key> headers)`,
      });
    }
    add(name, unstructured(value, field), field);
  }

  add(IDEMPOTENCY_KEY_HEADER, unstructured(email.idempotencyKey, "idempotencyKey"), "idempotencyKey");
  for (const [key, value] of Object.entries(email.customArgs ?? {})) {
    const field = `customArgs.${key}`;
    if (!CUSTOM_ARG_KEY.test(key)) {
      throw new InvalidInputError({
        field,
        value: key,
        reason: "must be letters, digits, '-' or '_' (it becomes a header name)",
      });
    }
    const name = `${PRECINCT_HEADER_PREFIX}${key}`;
    if (name.toLowerCase() === CATEGORIES_HEADER.toLowerCase()) {
      throw new InvalidInputError({
        field,
        value: key,
        reason: `is reserved: ${CATEGORIES_HEADER} carries categories`,
      });
    }
    add(name, unstructured(value, field), field);
  }
  const categories = email.categories ?? [];
  for (const [index, category] of categories.entries()) {
    const field = `categories.${index}`;
    if (typeof category !== "string" || category.trim() === "" || category.includes(",")) {
      throw new InvalidInputError({
        field,
        value: category,
        reason: "must be a non-empty string without commas",
      });
    }
    unstructured(category, field);
  }
  if (categories.length > 0)
    add(CATEGORIES_HEADER, unstructured(categories.join(", "), "categories"), "categories");

  const text = optionalBody(email.text, "text", substitute);
  const html = optionalBody(email.html, "html", substitute);
  if (text === undefined && html === undefined) {
    throw new InvalidInputError({ field: "html", value: undefined, reason: "html or text is required" });
  }
  if (text !== undefined && html !== undefined) {
    const boundary = boundaryFor(email.idempotencyKey);
    lines.push(`Content-Type: multipart/alternative;${CRLF} boundary="${boundary}"`);
    return [
      ...lines,
      "",
      "This is a multi-part message in MIME format.",
      `--${boundary}`,
      ...part("text/plain", text),
      `--${boundary}`,
      ...part("text/html", html),
      `--${boundary}--`,
      "",
    ].join(CRLF);
  }
  const [type, content] = text !== undefined ? ["text/plain", text] : ["text/html", html ?? ""];
  return [...lines, ...part(type, content), ""].join(CRLF);
}

/** The raw message as Gmail's API wants it: base64url, without padding. */
export function toBase64Url(message: string): string {
  return Buffer.from(message, "utf8").toString("base64url");
}

/**
 * The `Message-ID` for an idempotency key: `<key@domain>` when the key is a short dot-atom (a UUID, an
 * outbox row id), else `<h.<sha256 of the key>@domain>`. The same key always gives the same id, so a
 * retried send is recognizable in the Sent folder and to receiving servers.
 */
export function messageId(idempotencyKey: string, domain: string): string {
  if (typeof idempotencyKey !== "string" || idempotencyKey.trim() === "") {
    throw new InvalidInputError({
      field: "idempotencyKey",
      value: idempotencyKey,
      reason: "must be a non-empty string",
    });
  }
  const local =
    idempotencyKey.length <= MAX_SAFE_ID && SAFE_ID.test(idempotencyKey)
      ? idempotencyKey
      : `h.${createHash("sha256").update(idempotencyKey, "utf8").digest("hex").slice(0, 40)}`;
  return `<${local}@${domain}>`;
}

/** RFC 5322 date-time in UTC: `Wed, 22 Nov 2023 09:05:00 +0000`. */
export function formatDate(date: Date): string {
  if (!(date instanceof Date) || Number.isNaN(date.getTime())) {
    throw new InvalidInputError({ field: "date", value: String(date), reason: "must be a valid Date" });
  }
  return date.toUTCString().replace("GMT", "+0000");
}

/**
 * Quoted-printable (RFC 2045 §6.7) of UTF-8 text. Line breaks of any kind become CRLF (hard breaks);
 * longer lines get soft breaks (`=` at the end) so no line exceeds 76 characters; `=`, bytes outside
 * printable ASCII and a space or tab before a line break are escaped as `=XX`.
 */
export function encodeQuotedPrintable(text: string): string {
  return text
    .replace(/\r\n|\r/g, "\n")
    .split("\n")
    .map((line) => wrapQuotedPrintable(escapeLine(line)))
    .join(CRLF);
}

/**
 * RFC 2047 encoded-words (`=?UTF-8?B?…?=`) for text that is not plain printable ASCII, split on
 * character boundaries so each word stays within 75 characters; the words are separated by spaces, where
 * a header may be folded (decoders drop the whitespace between encoded-words).
 */
export function encodeWords(text: string): string {
  const words: string[] = [];
  let chunk = "";
  let bytes = 0;
  for (const char of text) {
    const size = Buffer.byteLength(char, "utf8");
    if (bytes + size > ENCODED_WORD_BYTES && chunk !== "") {
      words.push(encodedWord(chunk));
      chunk = "";
      bytes = 0;
    }
    chunk += char;
    bytes += size;
  }
  if (chunk !== "" || words.length === 0) words.push(encodedWord(chunk));
  return words.join(" ");
}

interface FormattedAddress {
  readonly header: string;
  readonly domain: string;
}

function formatAddress(address: NamedEmailAddress | undefined, field: string): FormattedAddress {
  if (typeof address !== "object" || address === null) {
    throw new InvalidInputError({ field, value: address, reason: "must be { email, name? }" });
  }
  const email = address.email;
  const emailField = `${field}.email`;
  if (typeof email !== "string") {
    throw new InvalidInputError({ field: emailField, value: email, reason: "must be a string" });
  }
  rejectLineBreaks(email, emailField);
  if (email.length > MAX_EMAIL_LENGTH || !emailSchema.safeParse(email).success) {
    // One plain address only: a comma or angle bracket here would add recipients or rewrite the header.
    throw new InvalidInputError({
      field: emailField,
      value: email,
      reason: "is not a single valid email address (user@example.org)",
    });
  }
  const domain = email.slice(email.lastIndexOf("@") + 1);
  const name = address.name;
  const nameField = `${field}.name`;
  if (name !== undefined && typeof name !== "string") {
    throw new InvalidInputError({ field: nameField, value: name, reason: "must be a string" });
  }
  if (name === undefined || name.trim() === "") return { header: email, domain };
  rejectLineBreaks(name, nameField);
  rejectControls(name, nameField);
  const trimmed = name.trim().replace(/\s+/g, " ");
  let phrase: string;
  if (!PRINTABLE_ASCII.test(trimmed)) phrase = encodeWords(trimmed);
  else if (ATOM_PHRASE.test(trimmed)) phrase = trimmed;
  else phrase = `"${trimmed.replace(/[\\"]/g, "\\$&")}"`;
  return { header: `${phrase} <${email}>`, domain };
}

/** An unstructured header value: checked, then kept as is (ASCII) or encoded (anything else). */
function unstructured(value: string, field: string): string {
  if (typeof value !== "string") {
    throw new InvalidInputError({ field, value, reason: "must be a string" });
  }
  rejectLineBreaks(value, field);
  rejectControls(value, field);
  return PRINTABLE_ASCII.test(value) ? value : encodeWords(value);
}

function rejectLineBreaks(value: string, field: string): void {
  if (LINE_BREAK.test(value)) {
    throw new InvalidInputError({
      field,
      value,
      reason: "contains a line break (CR or LF), which could inject headers into the message; refused",
    });
  }
}

/** Refuses C0 control characters other than tab, and DEL (a CR or LF is already refused as injection). */
function rejectControls(value: string, field: string): void {
  const control = [...value].some((char) => {
    const code = char.charCodeAt(0);
    return (code < 0x20 && code !== 0x09) || code === 0x7f;
  });
  if (control) {
    throw new InvalidInputError({ field, value, reason: "contains a control character" });
  }
}

/**
 * `Name: value`, folded before spaces so lines stay within 78 characters where the value has spaces to
 * fold at. A run without spaces longer than 998 characters (a huge URL) cannot be carried and is refused.
 */
function foldHeader(name: string, value: string, field: string): string {
  const lines: string[] = [];
  let line = `${name}:`;
  let hasToken = false;
  for (const token of value.split(" ")) {
    // Never fold before an empty token: a continuation line of only whitespace is not allowed.
    if (hasToken && token !== "" && line.length + 1 + token.length > SOFT_LINE) {
      lines.push(line);
      line = ` ${token}`;
    } else {
      line = `${line} ${token}`;
    }
    hasToken = true;
  }
  lines.push(line);
  const longest = Math.max(...lines.map((l) => l.length));
  if (longest > HARD_LINE) {
    throw new InvalidInputError({
      field,
      value: `${value.slice(0, 60)}…`,
      reason: `makes a header line of ${longest} characters; email allows at most ${HARD_LINE}`,
    });
  }
  return lines.join(CRLF);
}

function encodedWord(chunk: string): string {
  return `=?UTF-8?B?${Buffer.from(chunk, "utf8").toString("base64")}?=`;
}

function optionalBody(
  value: string | undefined,
  field: "html" | "text",
  substitute: (text: string) => string,
): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== "string") throw new InvalidInputError({ field, value, reason: "must be a string" });
  return substitute(value);
}

/**
 * A function that replaces every substitution tag in a text with its value, in one pass over the text so
 * a value that happens to contain a tag is left alone. Longer tags win where one is a prefix of another.
 */
function substitutions(values: Readonly<Record<string, string>> | undefined): (text: string) => string {
  const entries = Object.entries(values ?? {});
  if (entries.length === 0) return (text) => text;
  for (const [tag, value] of entries) {
    if (tag === "") {
      throw new InvalidInputError({ field: "substitutions", value: tag, reason: "has an empty tag" });
    }
    if (typeof value !== "string") {
      throw new InvalidInputError({ field: `substitutions.${tag}`, value, reason: "must be a string" });
    }
  }
  const map = new Map(entries);
  const pattern = new RegExp(
    entries
      .map(([tag]) => tag)
      .sort((a, b) => b.length - a.length)
      .map((tag) => tag.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"))
      .join("|"),
    "g",
  );
  return (text) => text.replace(pattern, (tag) => map.get(tag) ?? tag);
}

function part(type: string, content: string): string[] {
  return [
    `Content-Type: ${type}; charset=UTF-8`,
    "Content-Transfer-Encoding: quoted-printable",
    "",
    encodeQuotedPrintable(content),
  ];
}

/**
 * A boundary that cannot occur in the parts: quoted-printable output never contains `=_` (an `=` is
 * always followed by two hex digits or a line break). Derived from the key so one message always
 * serializes the same way.
 */
function boundaryFor(idempotencyKey: string): string {
  return `=_precinct_${createHash("sha256").update(idempotencyKey, "utf8").digest("hex").slice(0, 24)}`;
}

function escapeLine(line: string): string[] {
  // Each element is one output unit (a literal character or an =XX escape), so wrapping never splits one.
  const units: string[] = [];
  const bytes = Buffer.from(line, "utf8");
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i] as number;
    const last = i === bytes.length - 1;
    const literal = (byte >= 33 && byte <= 126 && byte !== 61) || ((byte === 32 || byte === 9) && !last);
    units.push(literal ? String.fromCharCode(byte) : `=${byte.toString(16).toUpperCase().padStart(2, "0")}`);
  }
  return units;
}

function wrapQuotedPrintable(units: readonly string[]): string {
  const lines: string[] = [];
  let line = "";
  for (const unit of units) {
    // Keep room for the soft break's "=".
    if (line.length + unit.length > QP_LINE - 1) {
      lines.push(`${line}=`);
      line = "";
    }
    line += unit;
  }
  lines.push(line);
  return lines.join(CRLF);
}
