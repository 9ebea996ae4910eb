/**
 * Small text helpers for the commands' human-readable output.
 *
 * @module
 */

/** A count with thousands separators (`12,345`). */
export function count(value: number): string {
  return value.toLocaleString("en-US");
}

/** `1 segment`, `2 segments`. */
export function plural(value: number, one: string, many = `${one}s`): string {
  return `${count(value)} ${value === 1 ? one : many}`;
}

/** An engine code in words: `no_consent` → `no consent`. */
export function words(code: string): string {
  return code.replaceAll("_", " ");
}

/** Sum of a record's values. */
export function total(values: Readonly<Record<string, number>>): number {
  return Object.values(values).reduce((sum, n) => sum + n, 0);
}

/**
 * Rows of label and value as an aligned two-column table, one row a line, each line indented. A label
 * starting with spaces is a sub-row (the spaces are kept).
 */
export function table(
  rows: readonly (readonly [label: string, value: string | number])[],
  indent = "  ",
): string {
  const width = Math.max(0, ...rows.map(([label]) => label.length));
  return rows
    .map(([label, value]) => {
      const text = typeof value === "number" ? count(value) : value;
      return `${indent}${label.padEnd(width)}  ${text}`.trimEnd();
    })
    .join("\n");
}

/** Masks the middle of a phone number for logs: `+1919•••0123`. */
export function maskPhone(phone: string): string {
  return phone.length > 8 ? `${phone.slice(0, 5)}•••${phone.slice(-4)}` : phone;
}

/**
 * An instant as local wall time in a time zone, `2026-11-19 08:00 America/New_York`, or as UTC when the
 * zone is unknown or invalid.
 */
export function localTime(iso: string, timeZone: string | null): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  const zone = timeZone ?? "UTC";
  let parts: Intl.DateTimeFormatPart[];
  try {
    parts = new Intl.DateTimeFormat("en-US", {
      timeZone: zone,
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
    }).formatToParts(date);
  } catch {
    return localTime(iso, null);
  }
  const part = (type: Intl.DateTimeFormatPartTypes) => parts.find((p) => p.type === type)?.value ?? "";
  return `${part("year")}-${part("month")}-${part("day")} ${part("hour")}:${part("minute")} ${zone}`;
}
