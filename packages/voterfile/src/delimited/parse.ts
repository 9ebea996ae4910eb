/**
 * A streaming parser for delimited text (CSV, TSV, pipe-separated) as states publish voter files: quoted
 * fields, padded values, CRLF or LF, UTF-8 or Latin-1. Memory stays constant: the input is read chunk by
 * chunk and only the unfinished last record of a chunk is carried over.
 *
 * @module
 */

import { PrecinctError } from "@precinct/core";
import { ChunkDecoder, type DelimitedEncoding } from "./decode.js";

/** A field delimiter; `auto` picks the most frequent of the three in the header line. */
export type Delimiter = "," | "\t" | "|";

/** Options of {@link openDelimited} and {@link parseDelimited}. */
export interface DelimitedOptions {
  /** The field delimiter. Default `auto`: the most frequent of tab, pipe and comma in the header line. */
  delimiter?: Delimiter | "auto";
  /** The text encoding. Default `auto`: UTF-8, falling back to Latin-1 at the first invalid byte. */
  encoding?: DelimitedEncoding;
  /** The quote character. Only `"` is supported. */
  quote?: '"';
  /**
   * The longest record, in characters, before it is reported as malformed and skipped (an unterminated
   * quote would otherwise swallow the rest of the file into memory). Default 1,000,000.
   */
  maxRecordLength?: number;
}

/** A byte source: a web `ReadableStream`, a Node stream (`fs.createReadStream`), or any async iterable. */
export type ByteSource = AsyncIterable<Uint8Array> | ReadableStream<Uint8Array> | NodeJS.ReadableStream;

/** One data row of a delimited file. */
export interface DelimitedRow {
  /** 1-based data row number: the header and blank lines are not counted. */
  row: number;
  /** The fields, trailing whitespace trimmed. */
  fields: string[];
  /** Bytes read from the source so far, for progress; the file's size at the last row. */
  bytes: number;
  /** Why the row is malformed (unterminated quote, wrong number of fields); absent when it is not. */
  error?: string;
}

/** An opened delimited file: its header, and its data rows to iterate once. */
export interface DelimitedFile {
  /** The header's column names, trimmed. */
  header: string[];
  /** The delimiter in use (the detected one when `auto`). */
  delimiter: Delimiter;
  /** The data rows. Iterate once; breaking out of the loop releases the source. */
  rows: AsyncIterable<DelimitedRow>;
  /**
   * The same data rows a chunk at a time, for importers that would rather not pay an async step per row.
   * Iterate either `rows` or `batches`, once.
   */
  batches: AsyncIterable<DelimitedRow[]>;
  /** The encoding in use so far: `latin1` once a non-UTF-8 byte was seen, `utf-8` at the end otherwise. */
  readonly encoding: DelimitedEncoding;
}

/** A parsed record before row numbering. */
interface RawRecord {
  fields: string[];
  error?: string;
}

/** The records of one chunk, and the bytes read through it. */
interface RawBatch {
  records: RawRecord[];
  bytes: number;
}

const DEFAULT_MAX_RECORD_LENGTH = 1_000_000;
const LF = 10;
const CR = 13;
const SPACE = 32;

/**
 * Opens a delimited file: reads up to its header row and returns the header with an iterable of data rows.
 *
 * Malformed rows never throw: a row whose number of fields differs from the header's, or that ends inside
 * a quoted field at the end of the file, is yielded with `error` set so an importer can report it and go on.
 * Fields are trimmed of trailing whitespace (North Carolina pads fields); leading whitespace is kept. Blank
 * lines are skipped. A UTF-8 byte order mark is dropped. Lines end with LF or CRLF (a lone CR is not a line
 * end). A quote only starts a quoted field at the start of a field; elsewhere it is text (`5'10"`).
 *
 * @param source - The bytes.
 * @param options - Delimiter, encoding, quote and record length limit.
 * @returns The header and the rows.
 * @throws {@link PrecinctError} `invalid_input` when the file has no header row (it is empty or blank).
 * @example
 * ```ts
 * const file = await openDelimited(createReadStream("ncvoter32.txt"));
 * for await (const { row, fields, error } of file.rows) {
 *   if (error) console.warn(`row ${row}: ${error}`);
 * }
 * ```
 */
export async function openDelimited(
  source: ByteSource,
  options: DelimitedOptions = {},
): Promise<DelimitedFile> {
  const reader = new RecordReader(options);
  const batches = reader.read(source)[Symbol.asyncIterator]();
  let first: IteratorResult<RawBatch>;
  do first = await batches.next();
  while (first.done !== true && first.value.records.length === 0);
  if (first.done === true) {
    throw new PrecinctError({ code: "invalid_input", message: "The file has no header row: it is empty" });
  }
  const [head, ...rest] = first.value.records as [RawRecord, ...RawRecord[]];
  const header = head.fields.map((name) => name.trim());
  const numbered = numberBatches({ records: rest, bytes: first.value.bytes }, batches, header.length);
  return {
    header,
    delimiter: reader.delimiter ?? ",",
    batches: numbered,
    rows: flatten(numbered),
    get encoding() {
      return reader.encoding;
    },
  };
}

/**
 * The data rows of a delimited file, header excluded; see {@link openDelimited} for the rules and for a way
 * to get the header too.
 *
 * @param source - The bytes.
 * @param options - Delimiter, encoding, quote and record length limit.
 * @returns The data rows; none for an empty file.
 */
export async function* parseDelimited(
  source: ByteSource,
  options: DelimitedOptions = {},
): AsyncGenerator<DelimitedRow> {
  let file: DelimitedFile;
  try {
    file = await openDelimited(source, options);
  } catch (error) {
    if (PrecinctError.hasCode(error, "invalid_input")) return;
    throw error;
  }
  yield* file.rows;
}

/**
 * A record keyed by header name, lower-cased and trimmed, for a layout's `mapRow`. Missing trailing fields
 * of a short row are empty strings.
 *
 * @param header - The header's column names.
 * @param fields - One row's fields.
 * @returns `{ [lower-case column name]: value }`.
 */
export function toRecord(header: readonly string[], fields: readonly string[]): Record<string, string> {
  const record: Record<string, string> = {};
  for (let index = 0; index < header.length; index++) {
    record[(header[index] ?? "").trim().toLowerCase()] = fields[index] ?? "";
  }
  return record;
}

async function* numberBatches(
  first: RawBatch,
  batches: AsyncIterator<RawBatch>,
  width: number,
): AsyncGenerator<DelimitedRow[]> {
  let row = 0;
  const number = ({ records, bytes }: RawBatch): DelimitedRow[] =>
    records.map(({ fields, error: parseError }) => {
      row++;
      const error =
        parseError ??
        (fields.length === width ? undefined : `expected ${width} fields, found ${fields.length}`);
      return error === undefined ? { row, fields, bytes } : { row, fields, bytes, error };
    });
  try {
    if (first.records.length > 0) yield number(first);
    for (;;) {
      const next = await batches.next();
      if (next.done === true) return;
      yield number(next.value);
    }
  } finally {
    // Closes the source when the caller stops early.
    await batches.return?.();
  }
}

async function* flatten(batches: AsyncGenerator<DelimitedRow[]>): AsyncGenerator<DelimitedRow> {
  for await (const batch of batches) yield* batch;
}

/** Splits decoded text into records, carrying the unfinished last record from one chunk to the next. */
class RecordReader {
  delimiter: Delimiter | undefined;
  readonly #quote: string;
  readonly #maxLength: number;
  readonly #decoder: ChunkDecoder;
  #started = false;

  constructor(options: DelimitedOptions) {
    this.delimiter = options.delimiter === "auto" ? undefined : options.delimiter;
    this.#quote = options.quote ?? '"';
    if (this.#quote !== '"') {
      throw new PrecinctError({
        code: "invalid_input",
        message: `Unsupported quote character ${this.#quote}`,
      });
    }
    this.#maxLength = options.maxRecordLength ?? DEFAULT_MAX_RECORD_LENGTH;
    this.#decoder = new ChunkDecoder(options.encoding ?? "auto");
  }

  get encoding(): DelimitedEncoding {
    return this.#decoder.encoding;
  }

  async *read(source: ByteSource): AsyncGenerator<RawBatch> {
    let carry = "";
    let bytes = 0;
    for await (const chunk of bytesOf(source)) {
      bytes += chunk.length;
      const text = this.#start(this.#decoder.decode(chunk));
      carry = carry === "" ? text : carry + text;
      if (this.delimiter === undefined) {
        if (carry.indexOf("\n") === -1) continue;
        this.delimiter = sniffDelimiter(carry);
      }
      const out: RawRecord[] = [];
      carry = this.#parseBounded(carry, this.delimiter, out);
      if (out.length > 0) yield { records: out, bytes };
    }
    carry += this.#start(this.#decoder.end());
    this.delimiter ??= sniffDelimiter(carry);
    const out: RawRecord[] = [];
    parseRecords(carry, this.delimiter, this.#quote, true, out);
    if (out.length > 0) yield { records: out, bytes };
  }

  /** Drops a byte order mark at the very start (`ï»¿` is a BOM read as Latin-1). */
  #start(text: string): string {
    if (this.#started || text === "") return text;
    this.#started = true;
    if (text.startsWith("\uFEFF")) return text.slice(1);
    return text.startsWith("ï»¿") ? text.slice(3) : text;
  }

  /** Parses what is complete; a carry-over longer than the limit is reported and skipped to the next line. */
  #parseBounded(text: string, delimiter: Delimiter, out: RawRecord[]): string {
    let rest = text.slice(parseRecords(text, delimiter, this.#quote, false, out));
    while (rest.length > this.#maxLength) {
      out.push({
        fields: [],
        error: `record longer than ${this.#maxLength} characters (an unterminated quote?); skipped to the next line`,
      });
      const newline = rest.indexOf("\n");
      rest = newline === -1 ? "" : rest.slice(newline + 1);
      rest = rest.slice(parseRecords(rest, delimiter, this.#quote, false, out));
    }
    return rest;
  }
}

/**
 * Parses the complete records of `text` into `out` and returns where the first unfinished one starts
 * (`text.length` when `final`). Scans with `indexOf`, caching the next delimiter and newline positions so
 * that each character is looked at a bounded number of times, and slices fields without copying characters
 * one by one.
 */
function parseRecords(
  text: string,
  delimiter: string,
  quote: string,
  final: boolean,
  out: RawRecord[],
): number {
  const length = text.length;
  const delimiterCode = delimiter.charCodeAt(0);
  const quoteCode = quote.charCodeAt(0);
  // Positions of the next delimiter / newline at or after the last search; `length` means none.
  let nextDelimiter = -1;
  let nextNewline = -1;
  let position = 0;
  while (position < length) {
    const start = position;
    const fields: string[] = [];
    let error: string | undefined;
    let at = position;
    for (;;) {
      let prefix = "";
      if (text.charCodeAt(at) === quoteCode) {
        let value = "";
        let segment = at + 1;
        let close: number;
        for (;;) {
          close = text.indexOf(quote, segment);
          if (close === -1) {
            if (!final) return start;
            fields.push((value + text.slice(segment)).trimEnd());
            out.push({ fields, error: "unterminated quoted field at the end of the file" });
            return length;
          }
          // A quote as the last character may be the first of a doubled pair: wait for the next chunk.
          if (close + 1 === length && !final) return start;
          if (text.charCodeAt(close + 1) !== quoteCode) break;
          value += text.slice(segment, close + 1);
          segment = close + 2;
        }
        value += text.slice(segment, close);
        at = close + 1;
        // Padding and the CR of a CRLF may follow the closing quote.
        while (at < length && (text.charCodeAt(at) === SPACE || text.charCodeAt(at) === CR)) at++;
        if (at >= length) {
          if (!final) return start;
          fields.push(value.trimEnd());
          break;
        }
        const next = text.charCodeAt(at);
        if (next === delimiterCode) {
          fields.push(value.trimEnd());
          at++;
          continue;
        }
        if (next === LF) {
          fields.push(value.trimEnd());
          at++;
          break;
        }
        // `"abc"def`: keep the text, as spreadsheets do, but flag the row.
        error ??= "unexpected text after a closing quote";
        prefix = value;
      }
      if (nextNewline < at) {
        nextNewline = text.indexOf("\n", at);
        if (nextNewline === -1) nextNewline = length;
      }
      if (nextDelimiter < at) {
        nextDelimiter = text.indexOf(delimiter, at);
        if (nextDelimiter === -1) nextDelimiter = length;
      }
      if (nextDelimiter < nextNewline) {
        fields.push((prefix + text.slice(at, nextDelimiter)).trimEnd());
        at = nextDelimiter + 1;
        continue;
      }
      if (nextNewline === length && !final) return start;
      // trimEnd also drops the CR of a CRLF.
      fields.push((prefix + text.slice(at, nextNewline)).trimEnd());
      at = nextNewline + 1;
      break;
    }
    position = at;
    // A blank (or all-space) line is one empty field: skip it.
    if (fields.length === 1 && fields[0] === "" && error === undefined) continue;
    out.push(error === undefined ? { fields } : { fields, error });
  }
  return Math.min(position, length);
}

/** The most frequent of tab, pipe and comma in the first line, outside quotes; comma when none. */
function sniffDelimiter(text: string): Delimiter {
  const newline = text.indexOf("\n");
  const line = newline === -1 ? text : text.slice(0, newline);
  const counts = { "\t": 0, "|": 0, ",": 0 };
  let quoted = false;
  for (const char of line) {
    if (char === '"') quoted = !quoted;
    else if (!quoted && (char === "\t" || char === "|" || char === ",")) counts[char]++;
  }
  let best: Delimiter = ",";
  for (const candidate of ["\t", "|"] as const) if (counts[candidate] > counts[best]) best = candidate;
  return best;
}

const encoder = new TextEncoder();

/** The source as byte chunks, whatever kind of stream it is. */
async function* bytesOf(source: ByteSource): AsyncGenerator<Uint8Array> {
  if (isWebStream(source)) {
    const reader = source.getReader();
    let done = false;
    try {
      for (;;) {
        const next = await reader.read();
        if (next.done) {
          done = true;
          return;
        }
        yield next.value;
      }
    } finally {
      // Stopping early (the caller broke out of its loop) cancels the stream rather than leaving it open.
      if (!done) await reader.cancel();
      reader.releaseLock();
    }
  }
  for await (const chunk of source as AsyncIterable<Uint8Array | string>) {
    yield typeof chunk === "string" ? encoder.encode(chunk) : chunk;
  }
}

function isWebStream(source: ByteSource): source is ReadableStream<Uint8Array> {
  return typeof (source as { getReader?: unknown }).getReader === "function";
}
