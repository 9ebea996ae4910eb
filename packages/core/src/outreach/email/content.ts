/**
 * Email content for bulk sends: a campaign's subject, HTML and text are rendered once with substitution
 * tags where the merge fields were, and each recipient carries only their values. A transport that
 * substitutes per recipient (SendGrid) sends a thousand personalized emails in one request; for the rest
 * the engine applies the values itself ({@link applySubstitutions}).
 *
 * @module
 */
import type { OutboundEmail } from "../../spec/contracts/email-transport.js";
import { ConfigError, InvalidInputError } from "../../spec/errors.js";
import type { Campaign } from "../../spec/model/outreach.js";
import { MERGE_FIELD_NAMES } from "../merge-fields.js";
import { type ParsedTemplate, parseTemplate, type TemplateValues } from "../templates/index.js";
import { escapeHtml } from "../templates/render-template.js";

/** Marks the start of every substitution tag; a template may not contain it. */
const TAG_OPEN = "[%pr:";
/** The tag of the recipient's one-click unsubscribe URL. */
export const UNSUBSCRIBE_TAG = `${TAG_OPEN}unsubscribe%]`;

/** A campaign's email, with tags where each recipient's values go. */
export interface TaggedEmail {
  /** The subject line with tags. */
  readonly subject: string;
  /** The HTML part with tags and the footer, when the template has HTML. */
  readonly html: string | null;
  /** The text part with tags and the footer, when the template has text. */
  readonly text: string | null;
  /** Every tag, with the merge field, fallback and escaping that fill it. */
  readonly tags: readonly EmailTag[];
}

/** One substitution tag. */
export interface EmailTag {
  /** The tag as written into the content. */
  readonly tag: string;
  /** The merge field it stands for. */
  readonly field: string;
  /** The fallback when the value is missing. */
  readonly fallback: string | null;
  /** Whether the value is HTML-escaped (it sits in the HTML part). */
  readonly html: boolean;
}

/** The templates of an email campaign, parsed and checked. */
export interface EmailTemplates {
  readonly subject: ParsedTemplate;
  readonly html: ParsedTemplate | null;
  readonly text: ParsedTemplate | null;
}

/**
 * Parses and checks an email campaign's templates: a subject and at least one of HTML and text, merge
 * fields known, no substitution-tag lookalikes.
 *
 * @throws InvalidInputError naming the template field.
 */
export function emailTemplates(template: Campaign["template"]): EmailTemplates {
  const parse = (field: "subject" | "html" | "text", source: string | undefined) => {
    if (source === undefined || source === "") return null;
    if (source.includes(TAG_OPEN)) {
      throw new InvalidInputError({
        field: `template.${field}`,
        value: source.slice(0, 80),
        reason: `must not contain "${TAG_OPEN}", which Precinct uses for per-recipient substitutions`,
      });
    }
    return parseTemplate(source, { knownFields: MERGE_FIELD_NAMES, field: `template.${field}` });
  };
  const subject = parse("subject", template.subject);
  if (!subject) {
    throw new InvalidInputError({
      field: "template.subject",
      value: template.subject,
      reason: "an email campaign needs a subject",
    });
  }
  const html = parse("html", template.html);
  const text = parse("text", template.text);
  if (!html && !text) {
    throw new InvalidInputError({
      field: "template.html",
      value: template.html,
      reason: "an email campaign needs an HTML part, a text part or both",
    });
  }
  return { subject, html, text };
}

/** What the footer of every bulk email says. */
export interface EmailFooter {
  /** The organization's name. */
  readonly organization: string;
  /** Its postal address (CAN-SPAM; Gmail and Yahoo bulk-sender rules). */
  readonly postalAddress: string | null;
}

/**
 * Requires the organization's postal address, which bulk email must carry.
 *
 * @throws ConfigError when the organization has none.
 */
export function requirePostalAddress(footer: EmailFooter): string {
  const address = footer.postalAddress?.trim();
  if (!address) {
    throw new ConfigError(
      `Bulk email must carry ${footer.organization}'s postal address in its footer: set it with precinct.updateOrganization({ postalAddress: "…" }) (or organization.postalAddress in createPrecinct(), or "precinct campaign create --postal-address").`,
    );
  }
  return address;
}

/** Renders the campaign's content once, with tags for each recipient's values and the footer appended. */
export function taggedEmail(templates: EmailTemplates, footer: EmailFooter): TaggedEmail {
  const address = requirePostalAddress(footer);
  const tags = new Map<string, EmailTag>();
  const write = (template: ParsedTemplate, html: boolean): string => {
    let out = "";
    for (const part of template.parts) {
      if ("field" in part) {
        const key = `${html ? "h" : "t"}|${part.field}|${part.fallback ?? ""}|${part.fallback === null}`;
        let tag = tags.get(key);
        if (!tag) {
          tag = { tag: `${TAG_OPEN}${tags.size}%]`, field: part.field, fallback: part.fallback, html };
          tags.set(key, tag);
        }
        out += tag.tag;
      } else out += part.text;
    }
    return out;
  };
  const subject = write(templates.subject, false);
  const html = templates.html
    ? `${write(templates.html, true)}\n<hr>\n<p style="font-size:12px;color:#555">${escapeHtml(footer.organization)} · ${escapeHtml(address)}<br><a href="${UNSUBSCRIBE_TAG}">Unsubscribe</a></p>`
    : null;
  const text = templates.text
    ? `${write(templates.text, false)}\n\n--\n${footer.organization}\n${address}\nUnsubscribe: ${UNSUBSCRIBE_TAG}`
    : null;
  return { subject, html, text, tags: [...tags.values()] };
}

/**
 * One recipient's substitution values, and the merge fields that had no value and no fallback.
 *
 * @param unsubscribeUrl - The recipient's one-click unsubscribe URL.
 */
export function substitutionsFor(
  email: TaggedEmail,
  values: TemplateValues,
  unsubscribeUrl: string,
): { substitutions: Record<string, string>; missing: string[] } {
  const substitutions: Record<string, string> = { [UNSUBSCRIBE_TAG]: unsubscribeUrl };
  const missing: string[] = [];
  for (const tag of email.tags) {
    const raw = values[tag.field];
    const value = typeof raw === "string" && raw.trim() !== "" ? raw : null;
    if (value === null && tag.fallback === null && !missing.includes(tag.field)) missing.push(tag.field);
    // The fallback is the author's own text (already HTML where it sits in HTML); a value is escaped.
    substitutions[tag.tag] = value === null ? (tag.fallback ?? "") : tag.html ? escapeHtml(value) : value;
  }
  return { substitutions, missing };
}

/** Replaces every tag in `text` with its value. */
export function substitute(text: string, substitutions: Readonly<Record<string, string>>): string {
  if (!text.includes(TAG_OPEN)) return text;
  return text.replace(/\[%pr:[^%\]]*%\]/g, (tag) => substitutions[tag] ?? tag);
}

/**
 * The message with its substitutions applied and removed: for transports that cannot substitute per
 * recipient (`supportsSubstitutions` absent).
 */
export function applySubstitutions(message: OutboundEmail): OutboundEmail {
  const values = message.substitutions;
  if (!values) return message;
  const { substitutions: _applied, ...rest } = message;
  return {
    ...rest,
    subject: substitute(message.subject, values),
    ...(message.html !== undefined ? { html: substitute(message.html, values) } : {}),
    ...(message.text !== undefined ? { text: substitute(message.text, values) } : {}),
  };
}
