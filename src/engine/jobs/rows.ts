/**
 * Row sources for processing jobs: where the rows of a job come from, read lazily so that an
 * input of millions of rows is never held in memory (reading is paced by the job).
 */
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { InvalidMessageFormat } from '../errors.js';

/**
 * A row that could not be read (say, a malformed NDJSON line): the job reports it as a failed
 * row, with its index, and goes on with the next.
 */
export class RowError extends InvalidMessageFormat {
  /** One-based line number in the input, when the row came from a text input. */
  readonly line: number | undefined;

  constructor(message: string, line?: number) {
    super(message);
    this.line = line;
  }
}

/** A row read from a text input, or a `RowError` for one that could not be read, with its line. */
export interface NumberedRow {
  /** The row, or a `RowError`. */
  value: unknown;
  /** One-based line number of the row in the input (for CSV, the line where the record ends). */
  line: number;
}

/**
 * The rows of an NDJSON input (one JSON value a line; blank lines skipped), one at a time,
 * each with its line number. A malformed line yields a `RowError` naming its line number, and
 * reading goes on. Lines are read as they are asked for (node:readline pauses the input), so
 * memory stays flat.
 */
export async function* numberedNdjsonRows(input: Readable): AsyncGenerator<NumberedRow, void, undefined> {
  const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
  let line = 0;
  try {
    for await (const text of lines) {
      line += 1;
      if (text.trim() === '') continue;
      let value: unknown;
      try {
        value = JSON.parse(text) as unknown;
      } catch (error) {
        value = new RowError(`Line ${line} is not valid JSON: ${(error as Error).message}`, line);
      }
      yield { value, line };
    }
  } finally {
    lines.close();
  }
}

/** The rows of an NDJSON input without their line numbers (see `numberedNdjsonRows`). */
export async function* ndjsonRows(input: Readable): AsyncGenerator<unknown, void, undefined> {
  for await (const { value } of numberedNdjsonRows(input)) yield value;
}
