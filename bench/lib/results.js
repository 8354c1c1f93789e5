// Where benchmarks write their figures. By default under bench/results/local/ (ignored by
// git), so that running a benchmark never dirties the tree; with `--save` (or BENCH_SAVE=1)
// under bench/results/, the committed reference that README quotes. Either way the file
// records the machine it came from.
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';

/** Whether this run updates the committed reference (`--save` or BENCH_SAVE=1). */
export const kSaveReference = process.argv.includes('--save') || process.env.BENCH_SAVE === '1';

/** The folder results go to: the reference folder with `--save`, else the ignored local one. */
export function resultsDir() {
  const dir = new URL(kSaveReference ? '../results/' : '../results/local/', import.meta.url);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** The machine and moment a result comes from (absolute figures depend on them). */
export function environment() {
  const cpus = os.cpus();
  return {
    node: process.version,
    platform: `${process.platform} ${os.release()}`,
    cpus: cpus.length,
    availableParallelism: os.availableParallelism(),
    cpuModel: cpus[0]?.model,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    loadAverageAtEnd: os.loadavg().map((l) => Number(l.toFixed(2))),
  };
}

/** Writes `figures` to <results folder>/<name>.json with the environment; returns the file path. */
export function saveResults(name, figures) {
  const file = new URL(`${name}.json`, resultsDir());
  writeFileSync(file, `${JSON.stringify({ name, date: new Date().toISOString(), environment: environment(), figures }, null, 2)}\n`);
  console.log(`saved ${file.pathname}${kSaveReference ? ' (the committed reference)' : ' (local; --save updates the committed reference)'}`);
  return file.pathname;
}

/** The value at percentile `p` (0–100) of an ascending-sorted array. */
export function percentile(sorted, p) {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/** The median of numbers (any order). */
export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  if (sorted.length === 0) return Number.NaN;
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
