/**
 * `eric-sse run`'s input: rows read one at a time from NDJSON or CSV (with a header row),
 * each with the line it came from, so that a failed row can be reported by line number.
 * Reading is lazy: the caller asks for the next row only when the job has room for it, so
 * a file of any size is held in memory only a few thousand rows ahead of processing.
 */
import type { Readable } from 'node:stream';
import { parse } from 'csv-parse';
import { numberedNdjsonRows, RowError, type NumberedRow } from '../engine/jobs/rows.js';

/** The formats `eric-sse run` reads and writes. */
export type RowFormat = 'ndjson' | 'csv';

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
  return format === 'csv' ? csv(input) : numberedNdjsonRows(input);
}
