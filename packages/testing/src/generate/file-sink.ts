/**
 * Writing big text files fast in constant memory: rows are appended to a string, and every couple of
 * megabytes the string is encoded and written, waiting for the stream to drain when the disk is behind.
 *
 * @module
 */

import { once } from "node:events";
import { createWriteStream, type WriteStream } from "node:fs";
import { finished } from "node:stream/promises";

/** The text encodings the generator writes: Latin-1 (as NC publishes) or UTF-8. */
export type VoterFileEncoding = "latin1" | "utf-8";

/** Default chunk: 2 MiB of bytes per write. */
const DEFAULT_CHUNK_BYTES = 2 * 1024 * 1024;

/**
 * An append-only text file written in large chunks, with backpressure. Text is encoded straight into a
 * preallocated chunk buffer (one native call per row, no giant intermediate string); a full chunk goes to
 * the stream, and the caller awaits {@link ChunkedFileSink.flush} to let the disk catch up.
 */
export class ChunkedFileSink {
  /** Bytes handed to the file so far. */
  bytes = 0;
  private chunk: Buffer;
  private offset = 0;
  private draining = false;
  private error: unknown;
  private readonly stream: WriteStream;
  private readonly nodeEncoding: "latin1" | "utf8";

  /**
   * Opens (truncates) `path`.
   *
   * @param path - The file.
   * @param encoding - How text becomes bytes. Latin-1 cannot hold characters above U+00FF; the generator
   *   only produces Latin-1 text.
   * @param chunkBytes - Bytes buffered before a write.
   */
  constructor(
    path: string,
    encoding: VoterFileEncoding,
    private readonly chunkBytes = DEFAULT_CHUNK_BYTES,
  ) {
    this.nodeEncoding = encoding === "latin1" ? "latin1" : "utf8";
    this.chunk = Buffer.allocUnsafe(chunkBytes);
    this.stream = createWriteStream(path);
    // Remember the error and raise it at the next flush, rather than crash on an unhandled 'error'.
    this.stream.on("error", (error) => {
      this.error ??= error;
    });
  }

  /**
   * Appends text. Returns true when a chunk went to the stream: the caller should then `await flush()`
   * before going on, which keeps the loop synchronous (and fast) between chunks.
   */
  push(text: string): boolean {
    // Worst case bytes: 1 per character in Latin-1, 3 per UTF-16 unit in UTF-8.
    const most = this.nodeEncoding === "latin1" ? text.length : text.length * 3;
    let sent = false;
    if (this.offset + most > this.chunk.length) {
      this.send();
      sent = true;
      if (most > this.chunk.length) {
        this.write(Buffer.from(text, this.nodeEncoding));
        return true;
      }
    }
    this.offset += this.chunk.write(text, this.offset, this.nodeEncoding);
    return sent;
  }

  /** Sends what is buffered, then waits for the stream to drain if it is over its high-water mark. */
  async flush(): Promise<void> {
    if (this.error !== undefined) throw this.error;
    this.send();
    if (this.draining) {
      await once(this.stream, "drain");
      this.draining = false;
    }
  }

  /** Flushes and closes the file; returns the bytes written. */
  async close(): Promise<number> {
    await this.flush();
    this.stream.end();
    await finished(this.stream);
    if (this.error !== undefined) throw this.error;
    return this.bytes;
  }

  /** Closes the file after a failure, ignoring further errors. */
  abort(): void {
    this.stream.destroy();
  }

  /** Hands the filled part of the chunk to the stream and starts a new chunk (the stream keeps the old). */
  private send(): void {
    if (this.offset === 0) return;
    const filled = this.chunk.subarray(0, this.offset);
    this.chunk = Buffer.allocUnsafe(this.chunkBytes);
    this.offset = 0;
    this.write(filled);
  }

  private write(bytes: Buffer): void {
    this.bytes += bytes.length;
    if (!this.stream.write(bytes)) this.draining = true;
  }
}
