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

function remember(key: string, build: () => string): string {
  let text = texts.get(key);
  if (text === undefined) {
    text = build();
    if (texts.size > 200) texts.clear();
    texts.set(key, text);
  }
  return text;
}

function conflictClause(conflict: readonly string[] | undefined): string {
  return conflict ? ` on conflict (${conflict.map((c) => `"${snake(c)}"`).join(", ")}) do nothing` : "";
}

function insertText(
  dialect: DialectName,
  table: string,
  columns: readonly string[],
  rows: number,
  conflict: readonly string[] | undefined,
): string {
  const key = `${dialect}|${table}|${columns.join(",")}|${rows}|${conflict?.join(",") ?? ""}`;
  return remember(key, () => {
    let n = 0;
    const tuple = () => `(${columns.map(() => (dialect === "postgres" ? `$${++n}` : "?")).join(", ")})`;
    const tuples = Array.from({ length: rows }, tuple).join(", ");
    return `insert into "${snake(table)}" (${columns.map((c) => `"${snake(c)}"`).join(", ")}) values ${tuples}${conflictClause(conflict)}`;
  });
}

/**
 * How one column of a chunk is bound by {@link sharedText}: `row` once per row, `shared` once per
 * statement, `null` not at all (a literal NULL).
 */
type Binding = "row" | "shared" | "null";

/**
 * SQLite: the text of an insert whose columns with one value across the chunk are bound once, in the select
 * list, and the rest per row in a `VALUES` list. Parameters are numbered in the order they appear, so the
 * shared values come first. `WHERE true` keeps SQLite from reading the upsert clause as part of the select.
 */
function sharedText(
  table: string,
  columns: readonly string[],
  bindings: readonly Binding[],
  rows: number,
  conflict: readonly string[] | undefined,
): string {
  const key = `shared|${table}|${columns.join(",")}|${bindings.join(",")}|${rows}|${conflict?.join(",") ?? ""}`;
  return remember(key, () => {
    let k = 0;
    const select = bindings.map((binding) =>
      binding === "row" ? `column${++k}` : binding === "shared" ? "?" : "NULL",
    );
    const tuple = `(${Array.from({ length: k }, () => "?").join(", ")})`;
    const tuples = Array.from({ length: rows }, () => tuple).join(", ");
    return `insert into "${snake(table)}" (${columns.map((c) => `"${snake(c)}"`).join(", ")}) select ${select.join(", ")} from (values ${tuples}) where true${conflictClause(conflict)}`;
  });
}

/**
 * SQLite: each column's binding in this chunk, or null when no column is shared by every row (or none
 * differs) and the plain multi-row insert is as good.
 */
function bindingsOf(
  columns: readonly string[],
  slice: readonly Readonly<Record<string, unknown>>[],
): Binding[] | null {
  const first = slice[0]!;
  let varying = 0;
  const bindings = columns.map((column): Binding => {
    const value = first[column] ?? null;
    for (let i = 1; i < slice.length; i++) {
      if ((slice[i]![column] ?? null) !== value) {
        varying += 1;
        return "row";
      }
    }
    return value === null ? "null" : "shared";
  });
  return varying === 0 || varying === columns.length ? null : bindings;
}

/**
 * Inserts `rows` (objects with camelCase keys, all with the keys of the first) into `table` in statements
 * of at most `chunk` rows. Values must already be in their stored form (strings, numbers, null). With
 * `ignoreConflictOn` (the camelCase columns of a unique index), a row whose key exists is skipped. With
 * `between`, it is awaited between two statements (a caller on a synchronous driver lets the event loop
 * turn there). On SQLite, a column with one value in every row of a statement is bound once for the
 * statement rather than once per row. Returns how many rows were inserted.
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
    const bindings = dialect === "sqlite" ? bindingsOf(columns, slice) : null;
    let text: string;
    if (bindings) {
      // Most of a campaign's rows share most of their values (organization, campaign, state, times), and
      // binding costs more than SQLite's own work of storing a row: 100,000 outbox rows took 1.7 s bound
      // row by row against 0.4 s copied inside SQLite. Bind the shared values once.
      const first = slice[0]!;
      for (const [i, column] of columns.entries()) if (bindings[i] === "shared") params.push(first[column]);
      for (const row of slice)
        for (const [i, column] of columns.entries())
          if (bindings[i] === "row") params.push(row[column] ?? null);
      text = sharedText(table, columns, bindings, slice.length, options.ignoreConflictOn);
    } else {
      for (const row of slice) for (const column of columns) params.push(row[column] ?? null);
      text = insertText(dialect, table, columns, slice.length, options.ignoreConflictOn);
    }
    const result = await db.executeQuery(CompiledQuery.raw(text, params));
    inserted += Number(result.numAffectedRows ?? 0);
    if (options.between && start + chunk < rows.length) await options.between();
  }
  return inserted;
}

/**
 * Resolves on the event loop's next turn, after the I/O that is ready now has been handled: what a caller
 * on a synchronous driver passes as `between`.
 *
 * @internal
 */
export function nextTurn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}
