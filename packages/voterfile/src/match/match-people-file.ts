/**
 * `precinct match <people.csv>`: import a people file and match everyone in it to the voter file.
 *
 * @module
 */

import { createReadStream } from "node:fs";
import { type Precinct, PrecinctError } from "@precinct/core";
import { type ByteSource, type DelimitedOptions, openDelimited, toRecord } from "../delimited/parse.js";
import { type MatchPeopleOptions, type MatchSummary, matchPeople } from "./match-people.js";
import { columnOfField, mapPeopleColumns, type PeopleRowError, peopleRowToInput } from "./people-csv.js";
import { loadMatchStats } from "./stats.js";

/** Options of {@link matchPeopleFile}. */
export interface MatchPeopleFileOptions extends Omit<MatchPeopleOptions, "personIds">, DelimitedOptions {
  /** Tags given to every person in the file (`["signup-2025-06"]`). */
  tags?: readonly string[];
}

/** What {@link matchPeopleFile} did. */
export interface MatchFileSummary extends MatchSummary {
  /** Data rows read. */
  rows: number;
  /** People created by the file. */
  created: number;
  /** Existing people the file's rows matched (by email, phone, identifier or name and address). */
  existing: number;
  /** Rows not imported, with the row number, the column and the reason. The other rows were imported. */
  errors: PeopleRowError[];
}

/**
 * Reads a people file (CSV, TSV or pipe-delimited; columns found by header name, see
 * {@link PEOPLE_COLUMN_NAMES}), upserts each row with `people.upsert()` and matches the people to voters
 * as {@link matchPeople} does, chunk by chunk as the file streams. A bad row (an invalid phone, ZIP or date,
 * no name, a malformed line) is reported with its row number, column and reason; the other rows go on.
 *
 * @param precinct - The client.
 * @param source - A file path or a byte source.
 * @param options - Matching options, `tags`, and parser options (`delimiter`, `encoding`).
 * @returns The matching summary plus rows read, people created or matched, and row errors.
 * @throws `InvalidInputError` when the file has no header or no name, email or phone column.
 */
export async function matchPeopleFile(
  precinct: Precinct,
  source: string | ByteSource,
  options: MatchPeopleFileOptions = {},
): Promise<MatchFileSummary> {
  const { tags, delimiter, encoding, quote, maxRecordLength, ...matchOptions } = options;
  const file = await openDelimited(typeof source === "string" ? createReadStream(source) : source, {
    ...(delimiter !== undefined ? { delimiter } : {}),
    ...(encoding !== undefined ? { encoding } : {}),
    ...(quote !== undefined ? { quote } : {}),
    ...(maxRecordLength !== undefined ? { maxRecordLength } : {}),
  });
  const columns = mapPeopleColumns(file.header);
  const stats = matchOptions.stats ?? (await loadMatchStats(precinct));
  const chunkSize = Math.max(1, matchOptions.chunkSize ?? 500);
  const summary: MatchFileSummary = {
    rows: 0,
    created: 0,
    existing: 0,
    errors: [],
    people: 0,
    linked: 0,
    review: 0,
    unmatched: 0,
    alreadyLinked: 0,
  };
  let chunk = new Set<string>();
  const flush = async () => {
    if (chunk.size === 0) return;
    const result = await matchPeople(precinct, { ...matchOptions, stats, personIds: [...chunk] });
    for (const key of ["people", "linked", "review", "unmatched", "alreadyLinked"] as const)
      summary[key] += result[key];
    chunk = new Set();
  };

  for await (const { row, fields, error } of file.rows) {
    summary.rows++;
    if (error !== undefined) {
      summary.errors.push({ row, field: "row", reason: error });
      continue;
    }
    const { input, errors } = peopleRowToInput(toRecord(file.header, fields), columns, {
      ...(matchOptions.state !== undefined ? { state: matchOptions.state } : {}),
      ...(tags !== undefined ? { tags } : {}),
    });
    if (errors.length > 0) {
      summary.errors.push(...errors.map((entry) => ({ row, ...entry })));
      continue;
    }
    try {
      const result = await precinct.people.upsert(input);
      if (result.status === "created") summary.created++;
      else summary.existing++;
      chunk.add(result.person.id);
    } catch (cause) {
      // Bad values are the row's problem; anything else (the database) is the caller's.
      if (!PrecinctError.hasCode(cause, "invalid_input")) throw cause;
      const { field, reason, value } = cause.details;
      summary.errors.push({
        row,
        field: typeof field === "string" ? columnOfField(field, columns) : "row",
        reason: typeof reason === "string" ? reason : cause.message,
        ...(value !== undefined ? { value } : {}),
      });
      continue;
    }
    if (chunk.size >= chunkSize) await flush();
  }
  await flush();
  return summary;
}
