/**
 * Writing sign-up-sheet people to a CSV, the way an organizer's export looks, keeping the truth aside.
 *
 * @module
 */

import { ChunkedFileSink } from "./file-sink.js";
import type { PersonTruth, SyntheticPerson } from "./people.js";

/** The header of a people CSV, in order. */
export const PEOPLE_CSV_HEADER: readonly string[] = [
  "given_name",
  "family_name",
  "additional_name",
  "email",
  "phone",
  "street",
  "city",
  "state",
  "zip",
  "birthdate",
];

/** What {@link writePeopleCsv} wrote. */
export interface PeopleCsvSummary {
  /** The file written. */
  path: string;
  /** Data rows (people) written. */
  rows: number;
  /** Size in bytes. */
  bytes: number;
  /** 1-based data row number → who that person really is. */
  truth: Map<number, PersonTruth>;
}

function csvField(value: string): string {
  return /[",\n\r]/u.test(value) || value.startsWith(" ") ? `"${value.replaceAll('"', '""')}"` : value;
}

/**
 * Writes people to a UTF-8 CSV with the header {@link PEOPLE_CSV_HEADER} (`given_name,family_name,
 * additional_name,email,phone,street,city,state,zip,birthdate`), LF line endings, fields quoted only when
 * they hold a comma or a quote (`"123 Oak St, Apartment 4"`). Blank cells are empty. `birthdate` is
 * `YYYY-MM-DD`, a bare year, or empty.
 *
 * @param path - Where to write; the file is replaced.
 * @param people - The people, e.g. from `generatePeople()`; sync or async iterable.
 * @returns Rows, bytes, and the truth of each data row.
 */
export async function writePeopleCsv(
  path: string,
  people: Iterable<SyntheticPerson> | AsyncIterable<SyntheticPerson>,
): Promise<PeopleCsvSummary> {
  const sink = new ChunkedFileSink(path, "utf-8");
  const truth = new Map<number, PersonTruth>();
  let rows = 0;
  try {
    let full = sink.push(`${PEOPLE_CSV_HEADER.join(",")}\n`);
    for await (const person of people) {
      rows++;
      truth.set(rows, person.truth);
      const line = [
        person.givenName,
        person.familyName,
        person.additionalName,
        person.email,
        person.phone,
        person.street,
        person.city,
        person.state,
        person.zip,
        person.birthdate,
      ]
        .map(csvField)
        .join(",");
      full = sink.push(`${line}\n`) || full;
      if (full) {
        full = false;
        await sink.flush();
      }
    }
    const bytes = await sink.close();
    return { path, rows, bytes, truth };
  } catch (error) {
    sink.abort();
    throw error;
  }
}
