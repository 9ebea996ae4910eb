/**
 * A layout described by a column-mapping config, for any CSV, TSV or pipe file a state or vendor publishes.
 *
 * @module
 */

import { ConfigError, ElectionType, VoterStatus, VotingMethod } from "@precinct/core";
import { z } from "zod";
import { historyMapper, registrationMapper } from "./mapping.js";
import type { HistoryLayout, RegistrationLayout } from "./types.js";

const Column = z.string().trim().min(1);
const ColumnRef = z.union([Column, z.array(Column).min(1)]);
const Address = z
  .object({
    lines: z.array(ColumnRef).min(1),
    locality: Column.optional(),
    region: Column.optional(),
    postalCode: ColumnRef.optional(),
    defaultRegion: z.string().length(2).optional(),
  })
  .strict();

const DEFAULT_STATUS_CODES: Record<string, z.infer<typeof VoterStatus>> = {
  A: "active",
  ACTIVE: "active",
  ACT: "active",
  I: "inactive",
  INACTIVE: "inactive",
  INA: "inactive",
  R: "removed",
  REMOVED: "removed",
  D: "denied",
  DENIED: "denied",
  S: "temporary",
  TEMPORARY: "temporary",
  "": "unknown",
};

/** A column-mapping config: which header holds each field. JSON-serializable, so it can live in a file. */
export const ColumnMapping = z.discriminatedUnion("kind", [
  z
    .object({
      kind: z.literal("registration"),
      /** Two-letter state of the file's voters. */
      state: z.string().length(2).toUpperCase(),
      delimiter: z.enum([",", "\t", "|"]).optional(),
      columns: z
        .object({
          stateVoterId: Column,
          countyVoterId: Column.optional(),
          county: Column.optional(),
          status: Column.optional(),
          statusReason: Column.optional(),
          registrationDate: Column.optional(),
          party: Column.optional(),
          birthYear: Column.optional(),
          birthdate: Column.optional(),
          gender: Column.optional(),
          race: Column.optional(),
          ethnicity: Column.optional(),
          givenName: Column.optional(),
          familyName: Column.optional(),
          additionalName: Column.optional(),
          suffix: Column.optional(),
          phone: Column.optional(),
          precinct: Column.optional(),
          residentialAddress: Address.optional(),
          mailingAddress: Address.optional(),
          districts: z.record(z.string(), Column).optional(),
        })
        .strict(),
      /** Status codes (any case) → status; defaults understand A/I/R/D/S and the spelled-out words. */
      statusCodes: z.record(z.string(), VoterStatus).optional(),
    })
    .strict(),
  z
    .object({
      kind: z.literal("history"),
      state: z.string().length(2).toUpperCase(),
      delimiter: z.enum([",", "\t", "|"]).optional(),
      columns: z
        .object({
          stateVoterId: Column,
          electionDate: Column,
          electionName: Column.optional(),
          electionType: Column.optional(),
          method: Column.optional(),
          party: Column.optional(),
          county: Column.optional(),
        })
        .strict(),
      /** Method labels (any case) → method, or `null` for rows that record no ballot. */
      methods: z.record(z.string(), VotingMethod.nullable()).optional(),
      /** Election type codes (any case) → type. */
      electionTypeCodes: z.record(z.string(), ElectionType).optional(),
    })
    .strict(),
]);
/** A column-mapping config (see {@link ColumnMapping}). */
export type ColumnMapping = z.input<typeof ColumnMapping>;

const upperKeys = <T>(record: Record<string, T> | undefined): Record<string, T> =>
  Object.fromEntries(Object.entries(record ?? {}).map(([key, value]) => [key.trim().toUpperCase(), value]));

function columnsOf(value: unknown): string[] {
  if (typeof value === "string") return [value];
  if (Array.isArray(value)) return value.flatMap(columnsOf);
  if (value && typeof value === "object") {
    return Object.entries(value)
      .filter(([key]) => key !== "defaultRegion")
      .flatMap(([, item]) => columnsOf(item));
  }
  return [];
}

/**
 * A layout from a column-mapping config. Columns are found by header name (any case), never by position; the
 * file must have every column the config names.
 *
 * @param config - The mapping (validated; unknown keys are errors).
 * @param source - Where the config came from, for error messages (e.g. its file path).
 * @returns A registration or history layout with id `mapped`.
 * @throws {@link ConfigError} naming the first invalid setting, e.g. `mapping.columns.givenName`.
 * @example
 * ```ts
 * const layout = mappedLayout({
 *   kind: "registration",
 *   state: "GA",
 *   columns: { stateVoterId: "Voter ID", givenName: "First", familyName: "Last", precinct: "Precinct" },
 * });
 * ```
 */
export function mappedLayout(config: unknown, source = "mapping"): RegistrationLayout | HistoryLayout {
  const parsed = ColumnMapping.safeParse(config);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const path = [source, ...(issue?.path ?? []).map(String)].join(".");
    throw new ConfigError(`Invalid column mapping at ${path}: ${issue?.message ?? "invalid"}`);
  }
  const mapping = parsed.data;
  const requiredColumns = [...new Set(columnsOf(mapping.columns).map((name) => name.toLowerCase()))];
  if (mapping.kind === "registration") {
    const columns = mapping.columns;
    const addressRegion = (address: typeof columns.residentialAddress) =>
      address === undefined
        ? undefined
        : { ...address, defaultRegion: address.defaultRegion ?? mapping.state };
    const mapRow = registrationMapper({
      state: mapping.state,
      columns: {
        ...columns,
        residentialAddress: addressRegion(columns.residentialAddress),
        mailingAddress: addressRegion(columns.mailingAddress),
      } as never,
      statusCodes: { ...DEFAULT_STATUS_CODES, ...upperKeys(mapping.statusCodes) },
    });
    return {
      id: "mapped",
      state: mapping.state,
      description: `Mapped ${mapping.state} registration file`,
      delimiter: mapping.delimiter ?? ",",
      kind: "registration",
      requiredColumns,
      mapRow,
    };
  }
  const mapRow = historyMapper({
    state: mapping.state,
    columns: mapping.columns,
    methods: upperKeys(mapping.methods),
    electionTypeCodes: upperKeys(mapping.electionTypeCodes),
  });
  return {
    id: "mapped",
    state: mapping.state,
    description: `Mapped ${mapping.state} vote history file`,
    delimiter: mapping.delimiter ?? ",",
    kind: "history",
    requiredColumns,
    mapRow,
  };
}
