/**
 * Hot-path bulk statements that skip the query builder: the SQL text of a multi-row insert depends only on
 * the table, the columns and the row count, so it is built once and reused, and each call binds values.
 * Kysely compiles every value of a builder query on every call; for the dispatcher's thousands of rows a
 * second that is most of the cost of writing them.
 *
 * @internal
 * @module
 */
import { CompiledQuery, type Kysely } from "kysely";
import type { Database, DialectName } from "./schema.js";

const texts = new Map<string, string>();

function snake(name: string): string {
  return name.replace(/[A-Z]/g, (letter) => `_${letter.toLowerCase()}`);
}

function insertText(
  dialect: DialectName,
  table: string,
  columns: readonly string[],
  rows: number,
  conflict: readonly string[] | undefined,
): string {
  const key = `${dialect}|${table}|${columns.join(",")}|${rows}|${conflict?.join(",") ?? ""}`;
  let text = texts.get(key);
  if (text === undefined) {
    let n = 0;
    const tuple = () => `(${columns.map(() => (dialect === "postgres" ? `$${++n}` : "?")).join(", ")})`;
    const tuples = Array.from({ length: rows }, tuple).join(", ");
    text = `insert into "${snake(table)}" (${columns.map((c) => `"${snake(c)}"`).join(", ")}) values ${tuples}`;
    if (conflict) text += ` on conflict (${conflict.map((c) => `"${snake(c)}"`).join(", ")}) do nothing`;
    if (texts.size > 200) texts.clear();
    texts.set(key, text);
  }
  return text;
}

/**
 * Inserts `rows` (objects with camelCase keys, all with the keys of the first) into `table` in statements
 * of at most `chunk` rows. Values must already be in their stored form (strings, numbers, null). With
 * `ignoreConflictOn` (the camelCase columns of a unique index), a row whose key exists is skipped. With
 * `between`, it is awaited between two statements (a caller on a synchronous driver lets the event loop
 * turn there). Returns how many rows were inserted.
 *
 * @internal
 */
export async function bulkInsert(
  db: Kysely<Database>,
  dialect: DialectName,
  table: keyof Database & string,
  rows: readonly Readonly<Record<string, unknown>>[],
  options: {
    readonly chunk?: number;
    readonly ignoreConflictOn?: readonly string[];
    readonly between?: () => Promise<void>;
  } = {},
): Promise<number> {
  if (rows.length === 0) return 0;
  const columns = Object.keys(rows[0]!);
  // Both databases bind at most 32,766 (SQLite) or 65,535 (PostgreSQL) parameters a statement.
  const chunk = Math.max(1, Math.min(options.chunk ?? 200, Math.floor(32_766 / columns.length)));
  let inserted = 0;
  for (let start = 0; start < rows.length; start += chunk) {
    const slice = rows.slice(start, start + chunk);
    const params: unknown[] = [];
    for (const row of slice) for (const column of columns) params.push(row[column] ?? null);
    const result = await db.executeQuery(
      CompiledQuery.raw(insertText(dialect, table, columns, slice.length, options.ignoreConflictOn), params),
    );
    inserted += Number(result.numAffectedRows ?? 0);
    if (options.between && start + chunk < rows.length) await options.between();
  }
  return inserted;
}
