import { Readable } from "node:stream";
import { PrecinctError } from "@precinct/core";
import { describe, expect, it } from "vitest";
import { openDelimited, parseDelimited, toRecord } from "../src/index.js";
import { chunked, collect, latin1, utf8 } from "./support.js";

/** Parses `bytes` fed in chunks of `size` and returns header and rows. */
async function parse(bytes: Uint8Array, size = 64 * 1024, options = {}) {
  const file = await openDelimited(chunked(bytes, size), options);
  const rows = await collect(file.rows);
  return { file, header: file.header, rows };
}

const SAMPLE =
  'id,name,note\r\n1,"Smith, John","said ""hi"""\r\n\r\n2,"Line one\r\nline two",plain   \r\n   \r\n3,"",\r\n';

describe("openDelimited", () => {
  it("parses quoted fields with delimiters, doubled quotes and newlines, CRLF, padding and blank lines", async () => {
    const { header, rows, file } = await parse(utf8(SAMPLE));
    expect(header).toEqual(["id", "name", "note"]);
    expect(file.delimiter).toBe(",");
    expect(rows.map((r) => [r.row, r.fields, r.error])).toEqual([
      [1, ["1", "Smith, John", 'said "hi"'], undefined],
      [2, ["2", "Line one\r\nline two", "plain"], undefined],
      [3, ["3", "", ""], undefined],
    ]);
  });

  it.each([1, 2, 3, 5, 7, 13])("gives the same rows when fed %i-byte chunks", async (size) => {
    const whole = await parse(utf8(SAMPLE));
    const split = await parse(utf8(SAMPLE), size);
    expect(split.header).toEqual(whole.header);
    expect(split.rows.map((r) => r.fields)).toEqual(whole.rows.map((r) => r.fields));
  });

  it("handles LF endings, no final newline, and tab and pipe delimiters (auto-detected)", async () => {
    const tab = await parse(utf8("a\tb\nx\ty"));
    expect(tab.file.delimiter).toBe("\t");
    expect(tab.rows.map((r) => r.fields)).toEqual([["x", "y"]]);
    const pipe = await parse(utf8("a|b|c\n1|2|3\n"), 1);
    expect(pipe.file.delimiter).toBe("|");
    expect(pipe.rows[0]?.fields).toEqual(["1", "2", "3"]);
  });

  it("honours an explicit delimiter", async () => {
    const { rows } = await parse(utf8("a|b\n1,2|3\n"), 4, { delimiter: "|" });
    expect(rows[0]?.fields).toEqual(["1,2", "3"]);
  });

  it("drops a UTF-8 BOM, even split across chunks", async () => {
    const bytes = new Uint8Array([0xef, 0xbb, 0xbf, ...utf8("ncid,name\nAA1,José\n")]);
    for (const size of [1, 2, 1024]) {
      const { header, rows, file } = await parse(bytes, size);
      expect(header).toEqual(["ncid", "name"]);
      expect(rows[0]?.fields).toEqual(["AA1", "José"]);
      expect(file.encoding).toBe("utf-8");
    }
  });

  it("decodes UTF-8 multi-byte characters split across chunks", async () => {
    const { rows } = await parse(utf8("n\nMUÑOZ 😀 Zoë\n"), 1);
    expect(rows[0]?.fields).toEqual(["MUÑOZ 😀 Zoë"]);
  });

  it("falls back to Latin-1 (windows-1252) at the first invalid UTF-8 byte", async () => {
    const bytes = latin1('last_name\tfirst_name\n"MUÑOZ   "\t"JOSÉ"\nPEÑA\tRENÉE\n');
    for (const size of [1, 3, 1024]) {
      const { rows, file } = await parse(bytes, size);
      expect(rows.map((r) => r.fields)).toEqual([
        ["MUÑOZ", "JOSÉ"],
        ["PEÑA", "RENÉE"],
      ]);
      expect(file.encoding).toBe("latin1");
    }
    // 0x92 is a right single quote in windows-1252, which WHATWG's "latin1" really is.
    const { rows } = await parse(new Uint8Array([...utf8("n\nO"), 0x92, ...utf8("BRIEN\n")]));
    expect(rows[0]?.fields).toEqual(["O\u2019BRIEN"]);
  });

  it("decodes as the given encoding when told", async () => {
    const { rows } = await parse(latin1("n\nMUÑOZ\n"), 2, { encoding: "latin1" });
    expect(rows[0]?.fields).toEqual(["MUÑOZ"]);
    const forced = await parse(latin1("n\nMUÑOZ\n"), 2, { encoding: "utf-8" });
    expect(forced.rows[0]?.fields).toEqual(["MU\uFFFDOZ"]);
  });

  it("reports ragged rows and an unterminated quote with their row numbers, without throwing", async () => {
    const { rows } = await parse(utf8('a,b,c\n1,2,3\n\n1,2\n1,2,3,4\n1,2,3\n1,"open,3\n'), 3);
    expect(rows.map((r) => [r.row, r.error])).toEqual([
      [1, undefined],
      [2, "expected 3 fields, found 2"],
      [3, "expected 3 fields, found 4"],
      [4, undefined],
      [5, "unterminated quoted field at the end of the file"],
    ]);
    expect(rows[4]?.fields).toEqual(["1", "open,3"]);
  });

  it("flags text after a closing quote but keeps it", async () => {
    const { rows } = await parse(utf8('a,b\n"x"y,2\n'));
    expect(rows[0]).toMatchObject({ fields: ["xy", "2"], error: "unexpected text after a closing quote" });
  });

  it("skips an over-long record (runaway quote) and resumes at the next line", async () => {
    const text = `a,b\n1,"${"x".repeat(50)}\n2,3\n`;
    const { rows } = await parse(utf8(text), 8, { maxRecordLength: 20 });
    expect(rows.some((r) => r.error?.startsWith("record longer than 20"))).toBe(true);
    expect(rows.at(-1)?.fields).toEqual(["2", "3"]);
  });

  it("reports bytes read for progress, reaching the file size at the end", async () => {
    const bytes = utf8("a,b\n1,2\n3,4\n");
    const { rows } = await parse(bytes, 4);
    const progress = rows.map((r) => r.bytes);
    expect(progress).toEqual([...progress].sort((x, y) => x - y));
    expect(progress.at(-1)).toBe(bytes.length);
  });

  it("reads web ReadableStreams and Node streams", async () => {
    const bytes = utf8("a,b\n1,2\n");
    const web = new Blob(["a,b\n1,2\n"]).stream();
    expect((await collect(parseDelimited(web))).map((r) => r.fields)).toEqual([["1", "2"]]);
    const node = Readable.from([Buffer.from(bytes.slice(0, 5)), Buffer.from(bytes.slice(5))]);
    expect((await collect(parseDelimited(node))).map((r) => r.fields)).toEqual([["1", "2"]]);
  });

  it("stops reading when the consumer breaks early", async () => {
    let pulled = 0;
    async function* source() {
      for (let i = 0; i < 1000; i++) {
        pulled++;
        yield utf8(i === 0 ? "a\n" : `${i}\n`);
      }
    }
    for await (const row of parseDelimited(source())) if (row.row === 2) break;
    expect(pulled).toBeLessThan(10);
  });

  it("throws invalid_input for an empty file; parseDelimited yields nothing", async () => {
    await expect(openDelimited(chunked(utf8("\n\n"), 1))).rejects.toSatisfy((error: unknown) =>
      PrecinctError.hasCode(error, "invalid_input"),
    );
    expect(await collect(parseDelimited(chunked(new Uint8Array(0), 1)))).toEqual([]);
  });

  it("keys records by lower-cased header name", () => {
    expect(toRecord([" NCID ", "Last_Name"], ["AA1", "SMITH"])).toEqual({ ncid: "AA1", last_name: "SMITH" });
    expect(toRecord(["a", "b"], ["1"])).toEqual({ a: "1", b: "" });
  });

  it("parses a larger file the same in any chunking", async () => {
    const lines = ["id,name,city"];
    for (let i = 0; i < 2000; i++) lines.push(`${i},"Name ${i}, Jr.",City ${i % 7}   `);
    const bytes = utf8(`${lines.join("\r\n")}\r\n`);
    const big = await parse(bytes, 4096);
    const odd = await parse(bytes, 37);
    expect(big.rows).toHaveLength(2000);
    expect(odd.rows.map((r) => r.fields)).toEqual(big.rows.map((r) => r.fields));
    expect(big.rows[1999]?.fields).toEqual(["1999", "Name 1999, Jr.", "City 4"]);
  });
});

describe("openDelimited batches", () => {
  it("yields the same numbered rows a chunk at a time", async () => {
    const text = `a,b\n1,2\n\n3\n"x,y",4\n${"5,6\n".repeat(50)}`;
    const rows = await collect((await openDelimited(chunked(utf8(text), 7))).rows);
    const batches = await collect((await openDelimited(chunked(utf8(text), 7))).batches);
    expect(batches.length).toBeGreaterThan(1);
    expect(batches.flat()).toEqual(rows);
    expect(rows.slice(0, 3).map(({ row, fields, error }) => ({ row, fields, error }))).toEqual([
      { row: 1, fields: ["1", "2"], error: undefined },
      { row: 2, fields: ["3"], error: "expected 2 fields, found 1" },
      { row: 3, fields: ["x,y", "4"], error: undefined },
    ]);
  });
});
