import type { ColumnDataType, Kysely } from "kysely";
import type { DialectName } from "../schema.js";

/** A forward-only migration. There is no `down`: a mistake is fixed by a new migration. */
export interface Migration {
  /** Sortable unique name, e.g. `0001_initial`. */
  readonly name: string;
  /** Applies the migration inside the migrator's transaction. */
  up(db: Kysely<unknown>, dialect: DialectName): Promise<void>;
}

/** Column types that differ between SQLite and PostgreSQL. */
export function columnTypes(dialect: DialectName): {
  json: ColumnDataType;
  bool: ColumnDataType;
  timestamp: ColumnDataType;
  date: ColumnDataType;
} {
  return dialect === "postgres"
    ? { json: "jsonb", bool: "boolean", timestamp: "timestamptz", date: "date" }
    : { json: "text", bool: "integer", timestamp: "text", date: "text" };
}
