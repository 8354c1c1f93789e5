/**
 * `eric-sse run`'s progress line and end-of-run summary, on stderr: rows done, failed,
 * rows/s and, when the input's size is known, an ETA.
 */

/** Figures the progress line is drawn from. */
export interface ProgressFigures {
  /** Rows finished (failed ones included). */
  done: number;
  /** Rows that failed. */
  failed: number;
  /** Rows finished per second, recently. */
  rowsPerSecond: number;
  /** Share of the input read so far (0 to 1), when its size is known. */
  fractionRead: number | undefined;
  /** Time since the start, in milliseconds. */
  elapsedMs: number;
}

/** `1234567` → `1,234,567`. */
export function formatCount(n: number): string {
  return Math.round(n).toLocaleString('en-US');
}

/** A duration for people: `850 ms`, `12.3 s`, `4 min 05 s`, `2 h 03 min`. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const seconds = ms / 1000;
  if (seconds < 60) return `${seconds.toFixed(1)} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${String(Math.floor(seconds % 60)).padStart(2, '0')} s`;
  return `${Math.floor(minutes / 60)} h ${String(minutes % 60).padStart(2, '0')} min`;
}

/** One progress line: `12,000 rows done, 3 failed, 41,250 rows/s, 35% read, ETA 4.1 s`. */
export function progressLine(figures: ProgressFigures): string {
  const parts = [`${formatCount(figures.done)} row${figures.done === 1 ? '' : 's'} done`, `${formatCount(figures.failed)} failed`, `${formatCount(figures.rowsPerSecond)} rows/s`];
  const { fractionRead, elapsedMs } = figures;
  if (fractionRead !== undefined && fractionRead > 0) {
    parts.push(`${Math.floor(fractionRead * 100)}% read`);
    // Reading runs a bounded distance ahead of processing, so the share read paces the whole run.
    if (fractionRead < 1) parts.push(`ETA ${formatDuration((elapsedMs * (1 - fractionRead)) / fractionRead)}`);
  }
  return parts.join(', ');
}

/** How a run ended, for the summary. */
export interface RunOutcome {
  /** Rows read from the input. */
  read: number;
  /** Rows finished (failed ones included). */
  done: number;
  /** Rows that failed. */
  failed: number;
  /** Whole run, in milliseconds. */
  elapsedMs: number;
  /** Why the run stopped early: Ctrl-C, the output's reader left, the job failed. */
  stoppedBy?: 'interrupt' | 'output closed' | 'failure';
}

/** The summary line: `eric-sse: 10,000 rows read, 10,000 done (2 failed) in 1.3 s, 7,692 rows/s`. */
export function summaryLine(outcome: RunOutcome): string {
  const seconds = outcome.elapsedMs / 1000;
  const rate = seconds > 0 ? outcome.done / seconds : 0;
  const failed = outcome.failed > 0 ? ` (${formatCount(outcome.failed)} failed)` : '';
  const stopped = outcome.stoppedBy === 'interrupt' ? '; interrupted' : outcome.stoppedBy === 'failure' ? '; stopped by a failure' : '';
  return (
    `eric-sse: ${formatCount(outcome.read)} rows read, ${formatCount(outcome.done)} done${failed} ` +
    `in ${formatDuration(outcome.elapsedMs)}, ${formatCount(rate)} rows/s${stopped}`
  );
}

/**
 * Draws the progress line on stderr: rewritten in place on a terminal, or a line at a time
 * (at most once a second) when forced with `--progress` elsewhere.
 */
export class ProgressLine {
  readonly #write: (text: string) => void;
  readonly #isTerminal: boolean;
  #lastLineAt = 0;
  #shown = false;

  constructor(write: (text: string) => void, isTerminal: boolean) {
    this.#write = write;
    this.#isTerminal = isTerminal;
  }

  /** Shows the current figures. */
  update(figures: ProgressFigures): void {
    const line = progressLine(figures);
    if (this.#isTerminal) {
      this.#write(`\r\x1b[2K${line}`);
      this.#shown = true;
    } else if (figures.elapsedMs - this.#lastLineAt >= 1000) {
      this.#lastLineAt = figures.elapsedMs;
      this.#write(`${line}\n`);
    }
  }

  /** Clears the line on a terminal, so that what follows starts on a clean line. */
  clear(): void {
    if (this.#isTerminal && this.#shown) this.#write('\r\x1b[2K');
    this.#shown = false;
  }
}
