#!/usr/bin/env node
// Runs every benchmark (bench/*.bench.js), each in its own Node process so that memory
// figures of one don't leak into another. `npm run bench -- NAME...` runs only those named
// (file name without .bench.js). Each benchmark prints its table and saves JSON under
// bench/results/local/ (ignored by git); `--save` updates the committed reference in
// bench/results/ instead (see bench/lib/results.js).
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import os from 'node:os';
import { fileURLToPath } from 'node:url';

const benchDir = fileURLToPath(new URL('.', import.meta.url));
const flags = process.argv.slice(2).filter((arg) => arg.startsWith('--'));
const wanted = process.argv.slice(2).filter((arg) => !arg.startsWith('--'));
const unknownFlags = flags.filter((flag) => flag !== '--save');
if (unknownFlags.length > 0) {
  console.error(`Unknown option(s): ${unknownFlags.join(', ')}. Known: --save (update the committed reference in bench/results/)`);
  process.exit(2);
}
const available = readdirSync(benchDir)
  .filter((file) => file.endsWith('.bench.js'))
  .map((file) => file.slice(0, -'.bench.js'.length))
  .sort();
const unknown = wanted.filter((name) => !available.includes(name));
if (unknown.length > 0) {
  console.error(`Unknown benchmark(s): ${unknown.join(', ')}. Available: ${available.join(', ')}`);
  process.exit(2);
}

console.log(`eric-sse benchmarks — Node ${process.version}, ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? 'unknown'}), ${Math.round(os.totalmem() / 2 ** 30)} GiB`);
let failed = 0;
for (const name of wanted.length > 0 ? wanted : available) {
  console.log(`\n=== ${name} ===`);
  const { status } = spawnSync(process.execPath, ['--expose-gc', `${benchDir}${name}.bench.js`, ...flags], { stdio: 'inherit' });
  if (status !== 0) {
    failed += 1;
    console.error(`benchmark ${name} exited with status ${status}`);
  }
}
process.exit(failed === 0 ? 0 : 1);
