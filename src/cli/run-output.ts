/**
 * `eric-sse run`'s output: results written as NDJSON or CSV to a stream, a chunk at a time
 * (one write per line would cost more than a small handler), with backpressure the reader of
 * rows can wait on, and a closed pipe (EPIPE: `... | head`) seen as "the reader has had
 * enough", not as a failure.
 */
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { stringify } from 'csv-stringify/sync';
import { drained } from '../adapters/drained.js';
import { describeValue } from '../engine/validation.js';
import type { RowFormat } from './run-input.js';

/** Characters gathered before a write; smaller chunks are written at the next turn of the event loop. */
const kChunkChars = 64 * 1024;

/** A result the chosen output format cannot carry (say, a number as a CSV row). */
export class UnwritableResultError extends Error {
  override readonly name = 'UnwritableResultError';
}

/** Writes lines to a stream in chunks; stops quietly when the stream's reader has gone. */
export class LineWriter {
  readonly #stream: Writable;
  #chunk = '';
  #flushScheduled = false;
  #closedByReader = false;
  #failure: Error | undefined;
  readonly #onGone: () => void;

  /**
   * @param stream - where the lines go.
   * @param onGone - called once when the stream fails or its reader goes away (EPIPE).
   */
  constructor(stream: Writable, onGone: () => void) {
    this.#stream = stream;
    this.#onGone = onGone;
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (this.#closedByReader || this.#failure) return;
      if (error.code === 'EPIPE' || error.code === 'ERR_STREAM_DESTROYED') this.#closedByReader = true;
      else this.#failure = error;
      this.#chunk = '';
      this.#onGone();
    });
  }

  /** Whether the stream's reader went away (a closed pipe): nothing more is written. */
  get isClosedByReader(): boolean {
    return this.#closedByReader;
  }

  /** The write failure, if writing failed for another reason than a closed pipe. */
  get failure(): Error | undefined {
    return this.#failure;
  }

  /** Queues one line (without its newline). */
  write(line: string): void {
    if (this.#closedByReader || this.#failure) return;
    this.#chunk += `${line}\n`;
    if (this.#chunk.length >= kChunkChars) this.flush();
    else if (!this.#flushScheduled) {
      this.#flushScheduled = true;
      setImmediate(() => {
        this.#flushScheduled = false;
        this.flush();
      });
    }
  }

  /** Writes what is queued. */
  flush(): void {
    if (this.#chunk === '' || this.#closedByReader || this.#failure) return;
    const chunk = this.#chunk;
    this.#chunk = '';
    this.#stream.write(chunk);
  }

  /** Resolves once the stream can take more (at once unless it is above its high-water mark). */
  async drained(): Promise<void> {
    if (!this.#stream.writableNeedDrain || this.#closedByReader || this.#failure) return;
    await drained(this.#stream);
  }

  /** Flushes and, unless it is stdout or stderr, ends the stream; resolves once written out. */
  async close(endStream: boolean): Promise<void> {
    this.flush();
    if (this.#closedByReader || this.#failure || this.#stream.destroyed) return;
    if (endStream) {
      const finished = Promise.race([once(this.#stream, 'finish'), once(this.#stream, 'close')]).catch(() => undefined);
      this.#stream.end();
      await finished;
    } else if (this.#stream.writableNeedDrain) {
      await this.drained().catch(() => undefined);
    }
  }
}

/** Turns handler results into lines of the output format. */
export interface ResultFormatter {
  /** The line for one result; throws `UnwritableResultError` when the format cannot carry it. */
  format(data: unknown): string;
}

/** One JSON value a line. */
class NdjsonFormatter implements ResultFormatter {
  format(data: unknown): string {
    let line: string | undefined;
    try {
      line = JSON.stringify(data);
    } catch (error) {
      throw new UnwritableResultError(`the result cannot be written as JSON: ${(error as Error).message}`);
    }
    // `undefined` (never a result: the engine yields the row instead), functions, symbols.
    if (line === undefined) throw new UnwritableResultError(`the result cannot be written as JSON, got ${describeValue(data)}`);
    return line;
  }
}

/**
 * CSV with a header row: the columns are the keys of the first result (an object); later
 * results give their values for those columns (missing ones empty, extra keys ignored).
 */
class CsvFormatter implements ResultFormatter {
  #columns: string[] | undefined;
  readonly #header: (line: string) => void;

  constructor(header: (line: string) => void) {
    this.#header = header;
  }

  format(data: unknown): string {
    if (data === null || typeof data !== 'object' || Array.isArray(data)) {
      throw new UnwritableResultError(`a CSV output row must be an object (its keys name the columns), got ${describeValue(data)}`);
    }
    const record = data as Record<string, unknown>;
    if (this.#columns === undefined) {
      this.#columns = Object.keys(record);
      this.#header(stringify([this.#columns]).slice(0, -1));
    }
    const values = this.#columns.map((column) => {
      const value = record[column];
      return value !== null && typeof value === 'object' ? JSON.stringify(value) : value;
    });
    return stringify([values]).slice(0, -1);
  }
}

/** The formatter for `format`; a CSV header line goes to `header` before the first row. */
export function resultFormatter(format: RowFormat, header: (line: string) => void): ResultFormatter {
  return format === 'csv' ? new CsvFormatter(header) : new NdjsonFormatter();
}
