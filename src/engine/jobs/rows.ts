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

/**
 * The rows of an NDJSON input (one JSON value a line; blank lines skipped), one at a time.
 * A malformed line yields a `RowError` naming its line number, and reading goes on. Lines are
 * read as they are asked for (node:readline pauses the input), so memory stays flat.
 */
export async function* ndjsonRows(input: Readable): AsyncGenerator<unknown, void, undefined> {
  const lines = createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
  let lineNumber = 0;
  try {
    for await (const line of lines) {
      lineNumber += 1;
      if (line.trim() === '') continue;
      try {
        yield JSON.parse(line) as unknown;
      } catch (error) {
        yield new RowError(`Line ${lineNumber} is not valid JSON: ${(error as Error).message}`, lineNumber);
      }
    }
  } finally {
    lines.close();
  }
}
