/**
 * Hot-path bulk statements that skip the query builder: the SQL text of a multi-row insert depends only on
 * the table, the columns, which of them one value fills for the whole statement, and the row count, so it is
 * built once and reused, and each call binds values.
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
 * The text of an insert whose columns with one value across the chunk are bound once, in the select list, and
 * the rest per row in a `VALUES` list. Parameters are numbered in the order they appear, so the shared values
 * come first. On PostgreSQL every bound value is cast to its column's type (`types`): a `VALUES` list of
 * parameters is text, and text is not assigned to an integer or timestamp column without a cast. `WHERE
 * true` keeps SQLite from reading the upsert clause as part of the select.
 */
function sharedText(
  dialect: DialectName,
  table: string,
  columns: readonly string[],
  bindings: readonly Binding[],
  rows: number,
  conflict: readonly string[] | undefined,
  types: ReadonlyMap<string, string> | null,
): string {
  const key = `shared|${dialect}|${table}|${columns.join(",")}|${bindings.join(",")}|${rows}|${conflict?.join(",") ?? ""}`;
  return remember(key, () => {
    let n = 0;
    const param = () => (dialect === "postgres" ? `$${++n}` : "?");
    const cast = (column: string, expression: string) =>
      types ? `cast(${expression} as ${types.get(snake(column))})` : expression;
    let k = 0;
    const select = bindings.map((binding, i) => {
      const column = columns[i]!;
      if (binding === "row") return cast(column, `column${++k}`);
      return binding === "shared" ? cast(column, param()) : "NULL";
    });
    const tuples = Array.from(
      { length: rows },
      () => `(${Array.from({ length: k }, param).join(", ")})`,
    ).join(", ");
    return `insert into "${snake(table)}" (${columns.map((c) => `"${snake(c)}"`).join(", ")}) select ${select.join(", ")} from (values ${tuples}) as v where true${conflictClause(conflict)}`;
  });
}

/**
 * Each column's binding in this chunk, or null when no column is shared by every row (or none differs) and
 * the plain multi-row insert is as good, or a value is not a string, number or null (bound as it is, never
 * through text).
 */
function bindingsOf(
  columns: readonly string[],
  slice: readonly Readonly<Record<string, unknown>>[],
): Binding[] | null {
  const first = slice[0]!;
  let varying = 0;
  let plain = true;
  const bindings = columns.map((column): Binding => {
    const value = first[column] ?? null;
    let binding: Binding = value === null ? "null" : "shared";
    for (const row of slice) {
      const other = row[column] ?? null;
      if (other !== null && typeof other !== "string" && typeof other !== "number") plain = false;
      if (binding !== "row" && other !== value) binding = "row";
    }
    if (binding === "row") varying += 1;
    return binding;
  });
  return !plain || varying === 0 || varying === columns.length ? null : bindings;
}

/**
 * PostgreSQL column types by table (`format_type`), read once per process and table: the schema is the
 * migrations', the same in every database this code opens. Null when the table cannot be read.
 */
const postgresTypes = new Map<string, ReadonlyMap<string, string>>();

async function columnTypes(db: Kysely<Database>, table: string): Promise<ReadonlyMap<string, string> | null> {
  const name = snake(table);
  const known = postgresTypes.get(name);
  if (known) return known;
  const { rows } = await db.executeQuery<{ name: string; type: string }>(
    CompiledQuery.raw(
      "select attname as name, format_type(atttypid, atttypmod) as type from pg_attribute where attrelid = to_regclass($1) and attnum > 0 and not attisdropped",
      [name],
    ),
  );
  if (rows.length === 0) return null;
  const types = new Map(rows.map((row) => [row.name, row.type]));
  postgresTypes.set(name, types);
  return types;
}

/**
 * Inserts `rows` (objects with camelCase keys, all with the keys of the first) into `table` in statements
 * of at most `chunk` rows. Values must already be in their stored form (strings, numbers, null). With
 * `ignoreConflictOn` (the camelCase columns of a unique index), a row whose key exists is skipped. With
 * `between`, it is awaited between two statements (a caller on a synchronous driver lets the event loop
 * turn there). A column with one value in every row of a statement is bound once for the statement rather
 * than once per row. Returns how many rows were inserted.
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
    let bindings = bindingsOf(columns, slice);
    let types: ReadonlyMap<string, string> | null = null;
    if (bindings && dialect === "postgres") {
      types = await columnTypes(db, table);
      if (!types || columns.some((column) => !types?.has(snake(column)))) bindings = null;
    }
    let text: string;
    if (bindings) {
      // Most of a campaign's rows share most of their values (organization, campaign, state, times), and
      // binding costs more than the database's own work of storing a row: on SQLite, 100,000 outbox rows
      // took 1.7 s bound row by row against 0.4 s copied inside SQLite. Bind the shared values once.
      const first = slice[0]!;
      const chosen = bindings;
      for (const column of columns.filter((_, i) => chosen[i] === "shared")) params.push(first[column]);
      const perRow = columns.filter((_, i) => chosen[i] === "row");
      for (const row of slice) for (const column of perRow) params.push(row[column] ?? null);
      text = sharedText(dialect, table, columns, bindings, slice.length, options.ignoreConflictOn, types);
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
