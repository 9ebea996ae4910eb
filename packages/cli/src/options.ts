/**
 * Parsers of option values shared by several commands. A malformed value is a {@link UsageError} (exit 2).
 *
 * @module
 */

import { UsageError } from "./io.js";

const TIME = /^([01]\d|2[0-3]):[0-5]\d$/;

/** `--name <n>` as a whole number of at least `min` (default 1), or undefined when absent. */
export function positiveInteger(name: string, value: string | undefined, min = 1): number | undefined {
  if (value === undefined) return undefined;
  const number = Number(value);
  if (value.trim() === "" || !Number.isInteger(number) || number < min) {
    throw new UsageError(`--${name} must be a whole number of at least ${min}, not "${value}"`);
  }
  return number;
}

/** `--name <HH:MM>` as a 24-hour `HH:MM` (`8:30` becomes `08:30`), or undefined when absent. */
export function clockTime(name: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const padded = /^\d:\d\d$/.test(value) ? `0${value}` : value;
  if (!TIME.test(padded))
    throw new UsageError(`--${name} must be a 24-hour local time as HH:MM, not "${value}"`);
  return padded;
}

/** `--public-url <url>`: an absolute http(s) URL, returned as given. */
export function httpUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new UsageError(
      `--public-url must be an absolute URL such as https://organize.example.org, not "${value}"`,
    );
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw new UsageError(`--public-url must be an http(s) URL, not "${value}"`);
  }
  return value;
}
