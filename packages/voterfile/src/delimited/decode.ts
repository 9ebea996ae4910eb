/**
 * Chunk-by-chunk byte decoding for voter files: UTF-8, Latin-1 (really windows-1252), or auto-detection.
 *
 * @module
 */

/** The text encodings {@link ChunkDecoder} understands; `auto` picks UTF-8 and falls back to Latin-1. */
export type DelimitedEncoding = "utf-8" | "latin1" | "auto";

/**
 * Decodes a byte stream one chunk at a time, holding at most 3 bytes of an unfinished UTF-8 sequence.
 *
 * `auto` decodes each chunk as strict UTF-8 and, at the first byte sequence that is not UTF-8, switches to
 * Latin-1 for that chunk and the rest of the file. Text already decoded stays as decoded: it was valid
 * UTF-8, and re-reading it would mean holding the whole file. In practice a file is all ASCII until its
 * first accented name, so the switch happens before any non-ASCII text has been decoded. WHATWG's `latin1`
 * label is windows-1252, which is what the NC files (and Excel exports) really are.
 */
export class ChunkDecoder {
  #mode: "utf-8" | "latin1" | "auto";
  /** Bytes of a UTF-8 sequence cut by the chunk boundary (auto mode only). */
  #pending: Uint8Array = new Uint8Array(0);
  readonly #latin1 = new TextDecoder("latin1");
  // ignoreBOM: the BOM is stripped once by the parser; a per-call decoder would strip it at every chunk.
  readonly #utf8 = new TextDecoder("utf-8", { ignoreBOM: true });
  readonly #strict = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

  constructor(encoding: DelimitedEncoding = "auto") {
    this.#mode = encoding;
  }

  /** The encoding in use now: `auto` until the end of an all-UTF-8 file, then `utf-8`; or `latin1`. */
  get encoding(): DelimitedEncoding {
    return this.#mode;
  }

  /** Decodes the next chunk; returns the text it completes. */
  decode(chunk: Uint8Array): string {
    if (this.#mode === "latin1") return this.#latin1.decode(chunk, { stream: true });
    if (this.#mode === "utf-8") return this.#utf8.decode(chunk, { stream: true });
    const bytes = this.#pending.length === 0 ? chunk : concat(this.#pending, chunk);
    const end = completeUtf8Length(bytes);
    try {
      const text = this.#strict.decode(bytes.subarray(0, end));
      this.#pending = bytes.slice(end);
      return text;
    } catch {
      this.#mode = "latin1";
      this.#pending = new Uint8Array(0);
      return this.#latin1.decode(bytes, { stream: true });
    }
  }

  /** Flushes what is left at the end of the input. */
  end(): string {
    if (this.#mode === "latin1") return this.#latin1.decode();
    if (this.#mode === "utf-8") return this.#utf8.decode();
    const rest = this.#pending;
    this.#pending = new Uint8Array(0);
    try {
      const text = this.#strict.decode(rest);
      this.#mode = "utf-8";
      return text;
    } catch {
      this.#mode = "latin1";
      return this.#latin1.decode(rest);
    }
  }
}

/** The length of the prefix of `bytes` that holds no cut UTF-8 sequence at its end. */
function completeUtf8Length(bytes: Uint8Array): number {
  let index = bytes.length - 1;
  let continuation = 0;
  // A sequence is at most 4 bytes: look back past at most 3 continuation bytes (10xxxxxx) for its lead.
  while (index >= 0 && continuation < 3 && ((bytes[index] ?? 0) & 0xc0) === 0x80) {
    index--;
    continuation++;
  }
  if (index < 0) return bytes.length;
  const lead = bytes[index] ?? 0;
  const size = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
  return bytes.length - index < size ? index : bytes.length;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}
