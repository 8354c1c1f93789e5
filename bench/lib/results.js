// Saves a benchmark's figures as JSON under bench/results/<name>.json, with the environment.
import { mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';

const resultsDir = new URL('../results/', import.meta.url);

/** Writes `figures` to bench/results/<name>.json and returns the file path. */
export function saveResults(name, figures) {
  mkdirSync(resultsDir, { recursive: true });
  const file = new URL(`${name}.json`, resultsDir);
  const environment = { node: process.version, cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model, platform: process.platform };
  writeFileSync(file, `${JSON.stringify({ name, date: new Date().toISOString(), environment, figures }, null, 2)}\n`);
  console.log(`saved ${file.pathname}`);
  return file.pathname;
}

/** The value at percentile `p` (0–100) of an ascending-sorted array. */
export function percentile(sorted, p) {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}
