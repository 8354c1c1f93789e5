/**
 * `eric-sse run`'s input: rows read one at a time from NDJSON or CSV (with a header row),
 * each with the line it came from, so that a failed row can be reported by line number.
 * Reading is lazy: the caller asks for the next row only when the job has room for it, so
 * a file of any size is held in memory only a few thousand rows ahead of processing.
 */
import { createInterface } from 'node:readline';
import type { Readable } from 'node:stream';
import { parse } from 'csv-parse';
import { RowError } from '../engine/jobs/rows.js';

/** The formats `eric-sse run` reads and writes. */
export type RowFormat = 'ndjson' | 'csv';

/** A row read from the input, or a `RowError` for one that could not be read, with its line. */
export interface NumberedRow {
  /** The row (a JSON value, or an object of strings keyed by the CSV header), or a `RowError`. */
  value: unknown;
  /** One-based line number of the row in the input (for CSV, the line where the record ends). */
  line: number;
}

/**
 * NDJSON rows: one JSON value a line, blank lines skipped; a malformed line gives a
 * `RowError` naming it, and reading goes on.
 */
async function* ndjson(input: Readable): AsyncGenerator<NumberedRow> {
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

/**
 * CSV rows: the first record names the columns; each later record becomes an object of
 * strings. A record csv-parse rejects (say, with a different number of fields) gives a
 * `RowError` naming its line, and reading goes on.
 */
async function* csv(input: Readable): AsyncGenerator<NumberedRow> {
  const skipped: RowError[] = [];
  const parser = parse({
    columns: true,
    bom: true,
    info: true,
    skip_empty_lines: true,
    skip_records_with_error: true,
    on_skip: (error) => {
      const lines: unknown = error?.lines;
      const line = typeof lines === 'number' ? lines : undefined;
      skipped.push(new RowError(`Line ${line ?? '?'} is not a valid CSV record: ${error?.message ?? 'unknown error'}`, line));
    },
  });
  input.on('error', (error) => parser.destroy(error));
  input.pipe(parser);
  const flushSkipped = function* (): Generator<NumberedRow> {
    while (skipped.length > 0) {
      const error = skipped.shift()!;
      yield { value: error, line: error.line ?? 0 };
    }
  };
  try {
    for await (const { record, info } of parser as AsyncIterable<{ record: Record<string, string>; info: { lines: number } }>) {
      yield* flushSkipped();
      yield { value: record, line: info.lines };
    }
    yield* flushSkipped();
  } finally {
    input.unpipe(parser);
    parser.destroy();
  }
}

/** The rows of `input` in `format`, numbered by line. */
export function readRows(input: Readable, format: RowFormat): AsyncGenerator<NumberedRow> {
  return format === 'csv' ? csv(input) : ndjson(input);
}
