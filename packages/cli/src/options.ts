/**
 * Parsers of option values shared by several commands. A malformed value is a {@link UsageError} (exit 2).
 *
 * @module
 */

import { readFileSync, statSync } from "node:fs";
import { ConfigError } from "@precinct/core";
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

/**
 * The public base URL: `--public-url` when given (checked by {@link httpUrl}), else `PRECINCT_PUBLIC_URL`
 * from `env`, else undefined.
 *
 * @throws {@link ConfigError} when `PRECINCT_PUBLIC_URL` is not an absolute http(s) URL.
 */
export function publicUrlOf(
  option: string | undefined,
  env: Readonly<Record<string, string | undefined>>,
): string | undefined {
  if (option !== undefined) return httpUrl(option);
  const fromEnv = env.PRECINCT_PUBLIC_URL?.trim();
  if (!fromEnv) return undefined;
  try {
    return httpUrl(fromEnv);
  } catch {
    throw new ConfigError(
      `PRECINCT_PUBLIC_URL must be an absolute http(s) URL such as https://organize.example.org, not "${fromEnv}"`,
      { details: { variable: "PRECINCT_PUBLIC_URL" } },
    );
  }
}

/** File names that say "this was meant to be a file" when no such file exists. */
const FILE_NAME = /^[^\s<>]+\.(html?|txt|text|md|eml)$/i;

/**
 * `--name <file|text>`: the contents of the file when `value` names one (read as UTF-8), else `value`
 * itself. A value that looks like a file name (`invite.html`) but names no file is a {@link UsageError},
 * so a typo in a path never goes out as the email's body. Undefined when absent.
 */
export function fileOrText(name: string, value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  let isFile = false;
  try {
    isFile = value.length < 4096 && statSync(value).isFile();
  } catch {
    // Not a path to anything: the text itself.
  }
  if (isFile) {
    try {
      return readFileSync(value, "utf8");
    } catch (error) {
      throw new UsageError(`--${name}: cannot read "${value}": ${(error as Error).message}`);
    }
  }
  if (FILE_NAME.test(value.trim())) {
    throw new UsageError(`--${name}: there is no file "${value}" (give a file or the content itself)`);
  }
  return value;
}
