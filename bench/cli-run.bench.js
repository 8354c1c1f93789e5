// `eric-sse run` on 10,000,000 NDJSON rows through a pipe (1,000,000 with BENCH_QUICK=1):
// rows/s, and the child's resident memory sampled along the way (from /proc), to show that
// memory stays flat however long the input: reading is paced by processing and by the output.
// The rows are generated as the child reads them and its output is counted and dropped, so
// neither end holds the data.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { saveResults } from './lib/results.js';

const quick = process.env.BENCH_QUICK === '1';
const total = quick ? 1_000_000 : 10_000_000;
const workers = 2;
const cli = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
const handler = fileURLToPath(new URL('./lib/handlers.js', import.meta.url));

/** Resident memory of process `pid` in MiB (Linux), or NaN elsewhere. */
function rssMiB(pid) {
  try {
    const kb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
    return Math.round((kb / 1024) * 10) / 10;
  } catch {
    return Number.NaN;
  }
}

/** `total` NDJSON rows, made as they are read. */
function rows() {
  let i = 0;
  return new Readable({
    read() {
      let chunk = '';
      for (let k = 0; k < 2000 && i < total; k += 1, i += 1) chunk += `{"i":${i},"name":"row ${i}","v":1.5}\n`;
      this.push(chunk === '' ? null : chunk);
    },
  });
}

const child = spawn(process.execPath, [cli, 'run', '--handler', `${handler}#echo`, '--workers', String(workers)], { stdio: ['pipe', 'pipe', 'inherit'] });
let lines = 0;
child.stdout.on('data', (chunk) => {
  for (let k = chunk.indexOf(10); k !== -1; k = chunk.indexOf(10, k + 1)) lines += 1;
});
const samples = [];
const started = performance.now();
const sampler = setInterval(() => samples.push({ rows: lines, rssMiB: rssMiB(child.pid) }), 250);
rows().pipe(child.stdin);
const code = await new Promise((resolve) => child.on('close', resolve));
clearInterval(sampler);
const seconds = (performance.now() - started) / 1000;
if (code !== 0 || lines !== total) throw new Error(`eric-sse run exited with ${code} after ${lines} of ${total} rows`);

const valid = samples.filter((s) => Number.isFinite(s.rssMiB));
const at = (fraction) => valid.find((s) => s.rows >= total * fraction) ?? valid.at(-1);
const peak = Math.max(...valid.map((s) => s.rssMiB));
const checkpoints = [0.1, 0.5, 0.9].map((fraction) => ({ afterRows: at(fraction).rows, rssMiB: at(fraction).rssMiB }));
console.log(`eric-sse run, ${total.toLocaleString('en-US')} rows through a pipe, echo handler, ${workers} workers`);
console.log(`  ${Math.round(total / seconds).toLocaleString('en-US')} rows/s (${seconds.toFixed(1)} s)`);
for (const { afterRows, rssMiB } of checkpoints) console.log(`  RSS after ${afterRows.toLocaleString('en-US').padStart(12)} rows: ${rssMiB} MiB`);
console.log(`  peak RSS: ${peak} MiB (main thread and ${workers} worker threads)`);
saveResults('cli-run', { quick, rows: total, workers, rowsPerSecond: Math.round(total / seconds), seconds: +seconds.toFixed(2), peakRssMiB: peak, checkpoints });
