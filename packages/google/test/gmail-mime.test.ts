import { InvalidInputError, type OutboundEmail } from "@precinct/core";
import { parseEmailMessage } from "@precinct/testing/http";
import { describe, expect, it } from "vitest";
import {
  buildMimeMessage,
  encodeQuotedPrintable,
  encodeWords,
  messageId,
  toBase64Url,
} from "../src/index.js";

const date = new Date("2025-03-04T05:06:07Z");

function email(overrides: Partial<OutboundEmail> = {}): OutboundEmail {
  return {
    to: { email: "ana.rivera@example.org", name: "Ana Rivera" },
    from: { email: "organizing@riverside.example.org", name: "Riverside Tenants Union" },
    subject: "Meeting Thursday at 7",
    text: "Hi Ana,\nSee you Thursday.",
    html: "<p>Hi Ana,</p><p>See you Thursday.</p>",
    idempotencyKey: "outbox-42",
    ...overrides,
  };
}

function build(overrides: Partial<OutboundEmail> = {}) {
  const raw = buildMimeMessage(email(overrides), { date });
  return { raw, parsed: parseEmailMessage(raw) };
}

function invalid(run: () => unknown): InvalidInputError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(InvalidInputError);
    return error as InvalidInputError;
  }
  throw new Error("expected an InvalidInputError");
}

describe("buildMimeMessage", () => {
  it("writes the envelope headers and a multipart/alternative body with text first, then HTML", () => {
    const { raw, parsed } = build({ replyTo: { email: "replies@riverside.example.org" } });
    expect(parsed.from).toEqual([
      { email: "organizing@riverside.example.org", name: "Riverside Tenants Union" },
    ]);
    expect(parsed.to).toEqual([{ email: "ana.rivera@example.org", name: "Ana Rivera" }]);
    expect(parsed.replyTo).toEqual([{ email: "replies@riverside.example.org" }]);
    expect(parsed.subject).toBe("Meeting Thursday at 7");
    expect(parsed.header("Date")).toBe("Tue, 04 Mar 2025 05:06:07 +0000");
    expect(parsed.messageId).toBe("<outbox-42@riverside.example.org>");
    expect(parsed.header("MIME-Version")).toBe("1.0");
    expect(parsed.header("X-Precinct-Idempotency-Key")).toBe("outbox-42");
    expect(parsed.contentType).toBe("multipart/alternative");
    expect(parsed.parts.map((p) => [p.contentType, p.charset, p.transferEncoding])).toEqual([
      ["text/plain", "utf-8", "quoted-printable"],
      ["text/html", "utf-8", "quoted-printable"],
    ]);
    expect(parsed.text).toBe("Hi Ana,\nSee you Thursday.");
    expect(parsed.html).toBe("<p>Hi Ana,</p><p>See you Thursday.</p>");
    // Every line ends in CRLF; no bare LF survives from the text part.
    expect(raw.replace(/\r\n/g, "")).not.toMatch(/[\r\n]/);
    // No Bcc/Cc sneaks in.
    expect(parsed.cc).toEqual([]);
    expect(parsed.bcc).toEqual([]);
  });

  it("sends a single part when only text or only HTML is given, and refuses neither", () => {
    const textOnly = build({ html: undefined }).parsed;
    expect(textOnly.contentType).toBe("text/plain");
    expect(textOnly.parts).toHaveLength(1);
    // In a single-part message the final line break belongs to the body (RFC 5322 ends lines with CRLF).
    expect(textOnly.text).toBe("Hi Ana,\nSee you Thursday.\n");
    const htmlOnly = build({ text: undefined }).parsed;
    expect(htmlOnly.contentType).toBe("text/html");
    expect(htmlOnly.html).toBe("<p>Hi Ana,</p><p>See you Thursday.</p>\n");
    expect(invalid(() => build({ text: undefined, html: undefined })).field).toBe("html");
  });

  it("encodes non-ASCII display names and subjects as RFC 2047 UTF-8 words", () => {
    const { raw, parsed } = build({
      to: { email: "jose@example.org", name: "José Martínez-Ñúñez" },
      from: { email: "equipo@riverside.example.org", name: "Unión de Inquilinos — Riverside" },
      subject: "¡Vota el jueves! 🗳️ Centro comunitario",
    });
    expect(parsed.to).toEqual([{ email: "jose@example.org", name: "José Martínez-Ñúñez" }]);
    expect(parsed.from[0]?.name).toBe("Unión de Inquilinos — Riverside");
    expect(parsed.subject).toBe("¡Vota el jueves! 🗳️ Centro comunitario");
    const toLine = raw.split("\r\n").find((line) => line.startsWith("To:"));
    expect(toLine).toBe(
      `To: =?UTF-8?B?${Buffer.from("José Martínez-Ñúñez").toString("base64")}?= <jose@example.org>`,
    );
    // The message itself is pure ASCII: everything else is encoded.
    expect(raw).toMatch(/^[\x20-\x7e\r\n]*$/);
  });

  it("quotes ASCII display names with specials, so a comma is not a second recipient", () => {
    const { raw, parsed } = build({ to: { email: "pat@example.org", name: 'Doe, Pat "PD"' } });
    expect(raw).toContain('To: "Doe, Pat \\"PD\\"" <pat@example.org>');
    expect(parsed.to).toEqual([{ email: "pat@example.org", name: 'Doe, Pat "PD"' }]);
  });

  it("keeps header lines within 78 characters by folding, and body lines within 76", () => {
    const longSubject = Array.from({ length: 30 }, (_, i) => `word${i}`).join(" ");
    const longUnicode = "Ünïcödé ".repeat(40).trim();
    const longLine = `<p>${"Organize your building. ".repeat(200)}</p>`;
    const { raw, parsed } = build({
      subject: longSubject,
      to: { email: "ana@example.org", name: longUnicode },
      html: longLine,
      text: `${"é".repeat(300)}\n${"=".repeat(100)}`,
    });
    const lines = raw.split("\r\n");
    const headerEnd = lines.indexOf("");
    for (const line of lines.slice(0, headerEnd)) expect(line.length).toBeLessThanOrEqual(78);
    for (const part of parsed.parts) {
      for (const line of part.encodedLines) expect(line.length).toBeLessThanOrEqual(76);
    }
    expect(parsed.subject).toBe(longSubject);
    expect(parsed.to[0]?.name).toBe(longUnicode);
    expect(parsed.html).toBe(longLine);
    expect(parsed.text).toBe(`${"é".repeat(300)}\n${"=".repeat(100)}`);
    // Each encoded-word is at most 75 characters (RFC 2047).
    for (const word of raw.match(/=\?UTF-8\?B\?[^?]*\?=/g) ?? []) expect(word.length).toBeLessThanOrEqual(75);
  });

  it("passes List-Unsubscribe headers through and carries customArgs as X-Precinct-* headers", () => {
    const { parsed } = build({
      headers: {
        "List-Unsubscribe":
          "<https://organize.example.org/u/tok123>, <mailto:unsubscribe@riverside.example.org>",
        "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
      },
      customArgs: { precinct_message_id: "msg-9", campaignId: "camp-3" },
      categories: ["spring-drive"],
    });
    expect(parsed.header("List-Unsubscribe")).toBe(
      "<https://organize.example.org/u/tok123>, <mailto:unsubscribe@riverside.example.org>",
    );
    expect(parsed.header("List-Unsubscribe-Post")).toBe("List-Unsubscribe=One-Click");
    expect(parsed.header("X-Precinct-precinct_message_id")).toBe("msg-9");
    expect(parsed.header("X-Precinct-campaignId")).toBe("camp-3");
    // Gmail has no reporting categories: they travel in one header of ours.
    expect(parsed.header("X-Precinct-Categories")).toBe("spring-drive");
  });

  it("refuses a CR or LF in any header value (header injection), naming the field", () => {
    const injected = "Hello\r\nBcc: everyone@example.org";
    expect(invalid(() => build({ subject: injected })).field).toBe("subject");
    expect(invalid(() => build({ subject: "Hello\nBcc: x@example.org" })).field).toBe("subject");
    expect(
      invalid(() => build({ to: { email: "ana@example.org", name: "Ana\rBcc: x@example.org" } })).field,
    ).toBe("to.name");
    expect(invalid(() => build({ from: { email: "a@example.org\r\nBcc: x@example.org" } })).field).toBe(
      "from.email",
    );
    expect(
      invalid(() =>
        build({ headers: { "List-Unsubscribe": "<https://a.example.org>\r\nBcc: x@example.org" } }),
      ).field,
    ).toBe("headers.List-Unsubscribe");
    expect(invalid(() => build({ customArgs: { campaignId: "c1\nBcc: x@example.org" } })).field).toBe(
      "customArgs.campaignId",
    );
    expect(invalid(() => build({ idempotencyKey: "k1\r\nBcc: x@example.org" })).field).toBe("idempotencyKey");
    const error = invalid(() => build({ subject: injected }));
    expect(error.message).toMatch(/line break/);
  });

  it("refuses an address that is not exactly one address", () => {
    expect(invalid(() => build({ to: { email: "ana@example.org, bo@example.org" } })).field).toBe("to.email");
    expect(invalid(() => build({ to: { email: "Ana <ana@example.org>" } })).field).toBe("to.email");
    expect(invalid(() => build({ to: { email: "not-an-address" } })).field).toBe("to.email");
    expect(invalid(() => build({ replyTo: { email: "" } })).field).toBe("replyTo.email");
  });

  it("refuses headers that would override the message's own fields or add recipients", () => {
    expect(invalid(() => build({ headers: { Bcc: "x@example.org" } })).field).toBe("headers.Bcc");
    expect(invalid(() => build({ headers: { cc: "x@example.org" } })).field).toBe("headers.cc");
    expect(invalid(() => build({ headers: { Subject: "other" } })).field).toBe("headers.Subject");
    expect(invalid(() => build({ headers: { "Content-Type": "text/plain" } })).field).toBe(
      "headers.Content-Type",
    );
    expect(invalid(() => build({ headers: { "X-Precinct-Idempotency-Key": "x" } })).field).toBe(
      "headers.X-Precinct-Idempotency-Key",
    );
    expect(invalid(() => build({ headers: { "Bad Name": "x" } })).field).toBe("headers.Bad Name");
    expect(invalid(() => build({ headers: { "Bad:Name": "x" } })).field).toBe("headers.Bad:Name");
    expect(invalid(() => build({ customArgs: { "bad key": "x" } })).field).toBe("customArgs.bad key");
    expect(invalid(() => build({ customArgs: { "Idempotency-Key": "x" } })).field).toBe(
      "customArgs.Idempotency-Key",
    );
    expect(invalid(() => build({ customArgs: { categories: "x" } })).field).toBe("customArgs.categories");
  });

  it("writes several categories comma-separated and refuses one that would break the list", () => {
    expect(build({ categories: ["spring-drive", "ward 3"] }).parsed.header("X-Precinct-Categories")).toBe(
      "spring-drive, ward 3",
    );
    expect(invalid(() => build({ categories: ["a,b"] })).field).toBe("categories.0");
    expect(invalid(() => build({ categories: ["ok", "bad\r\nBcc: x@example.org"] })).field).toBe(
      "categories.1",
    );
  });

  it("applies substitutions to subject, HTML and text in one pass", () => {
    const { parsed } = build({
      subject: "-name-, early voting starts Thursday",
      html: "<p>Hi -nameHtml-! -name- -name-</p>",
      text: "Hi -name-, your polling place is -place-.",
      substitutions: {
        "-name-": "Bo & Co -place-",
        "-nameHtml-": "Bo &amp; Co",
        "-place-": "Main St library",
      },
    });
    expect(parsed.subject).toBe("Bo & Co -place-, early voting starts Thursday");
    expect(parsed.html).toBe("<p>Hi Bo &amp; Co! Bo & Co -place- Bo & Co -place-</p>");
    expect(parsed.text).toBe("Hi Bo & Co -place-, your polling place is Main St library.");
    // A substituted value is checked like any subject: no header injection through a merge field.
    const injected = { "-name-": "Ana\r\nBcc: x@example.org" };
    expect(invalid(() => build({ subject: "-name-", substitutions: injected })).field).toBe("subject");
    // Regex characters in a tag are literal.
    expect(
      build({ text: "Hi {{name}} (a.b)", substitutions: { "{{name}}": "Ana", "(a.b)": "x" } }).parsed.text,
    ).toBe("Hi Ana x");
  });

  it("refuses a header line that cannot be folded under 998 characters", () => {
    const url = `<https://organize.example.org/u/${"a".repeat(1000)}>`;
    expect(invalid(() => build({ headers: { "List-Unsubscribe": url } })).field).toBe(
      "headers.List-Unsubscribe",
    );
  });

  it("derives the Message-ID from the idempotency key, the same on every retry", () => {
    const first = build({ idempotencyKey: "0b6f6a4e-9d1c-4c59-8d0f-3b1f5c2d7e11" }).parsed.messageId;
    const again = build({ idempotencyKey: "0b6f6a4e-9d1c-4c59-8d0f-3b1f5c2d7e11" }).parsed.messageId;
    expect(first).toBe("<0b6f6a4e-9d1c-4c59-8d0f-3b1f5c2d7e11@riverside.example.org>");
    expect(again).toBe(first);
    const odd = messageId("campaign 7 / row 12", "riverside.example.org");
    expect(odd).toMatch(/^<h\.[0-9a-f]{40}@riverside\.example\.org>$/);
    expect(messageId("campaign 7 / row 12", "riverside.example.org")).toBe(odd);
    expect(messageId("campaign 7 / row 13", "riverside.example.org")).not.toBe(odd);
    const custom = buildMimeMessage(email(), { date, messageIdDomain: "mail.example.net" });
    expect(parseEmailMessage(custom).messageId).toBe("<outbox-42@mail.example.net>");
  });

  it("serializes the same message the same way (the boundary is derived, not random)", () => {
    expect(build().raw).toBe(build().raw);
    expect(build().raw).not.toBe(build({ idempotencyKey: "outbox-43" }).raw);
  });
});

describe("encoders", () => {
  it("quoted-printable escapes '=', non-ASCII bytes and trailing whitespace, with CRLF line breaks", () => {
    expect(encodeQuotedPrintable("Café = 1")).toBe("Caf=C3=A9 =3D 1");
    expect(encodeQuotedPrintable("trailing \nnext\r\nlast\t")).toBe("trailing=20\r\nnext\r\nlast=09");
    const wrapped = encodeQuotedPrintable("x".repeat(200)).split("\r\n");
    expect(wrapped.map((line) => line.length)).toEqual([76, 76, 50]);
    expect(wrapped[0]?.endsWith("=")).toBe(true);
    // An escape is never split by a soft line break.
    const escapes = encodeQuotedPrintable("é".repeat(50)).split("\r\n");
    for (const line of escapes) expect(line.replace(/=$/, "")).toMatch(/^(=[0-9A-F]{2})+$/);
  });

  it("encoded-words split on character boundaries", () => {
    const words = encodeWords("😀".repeat(20)).split(" ");
    expect(words.length).toBeGreaterThan(1);
    for (const word of words) {
      const base64 = /^=\?UTF-8\?B\?([^?]*)\?=$/.exec(word)?.[1];
      expect(base64).toBeDefined();
      // Each word decodes on its own to whole emoji.
      expect(Buffer.from(base64 ?? "", "base64").toString("utf8")).toMatch(/^(😀)+$/);
    }
  });

  it("base64url has no padding and no '+' or '/'", () => {
    const encoded = toBase64Url("Subject: ??>>\r\n\r\nÿÿ");
    expect(encoded).not.toMatch(/[+/=]/);
    expect(Buffer.from(encoded, "base64url").toString("utf8")).toBe("Subject: ??>>\r\n\r\nÿÿ");
  });
});
