// Processing jobs over HTTP against the engine used directly, same handler module, same rows,
// same worker count:
//   http   — `POST /jobs` (JSON rows) to the service (`eric-sse serve --http`, a child process,
//            as deployed), then `GET /jobs/J/stream` read to its `end` event by this process;
//   direct — `processQueue` on a DataProcessingChannel in this process (dispatch every row,
//            notifyEnd, read every result).
// Workloads: `cpu` (examples/jobs/handlers.js#cpu calibrated to ~1 ms a row; goal: http >=
// 0.9x direct) and `small` (#square on numbers: transport dominates; the ratio is reported).
// Then: time to first result (POST → first `result` event, vs dispatch → first result), and an
// NDJSON upload of 1,000,000 rows streamed to the service with the service's peak RSS growth
// (goal < 150 MB), read from /proc (Linux).
// `BENCH_QUICK=1` shrinks every run (a smoke test, not figures to quote).
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { DataProcessingChannel, Message, WorkerListener } from 'eric-sse';
import { cpu } from '../examples/jobs/handlers.js';
import { percentile, saveResults } from './lib/results.js';

const quick = process.env.BENCH_QUICK === '1';
const workers = Math.min(2, os.availableParallelism());
const handlersPath = fileURLToPath(new URL('../examples/jobs/handlers.js', import.meta.url));
const cli = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
const progress = (text) => process.stderr.write(`  … ${text}\n`);
const repeats = quick ? 1 : 3;

/** `cpu` rounds that take about 1 ms here (after warming the JIT). */
function calibrateRounds() {
  let rounds = 100_000;
  for (let round = 0; round < 5; round += 1) {
    const started = performance.now();
    for (let k = 0; k < 20; k += 1) cpu({ payload: { n: k, rounds } });
    rounds = Math.round(rounds / ((performance.now() - started) / 20));
  }
  return rounds;
}

/** Starts the service in a child process; resolves with its base URL and pid. */
async function startService() {
  const child = spawn(process.execPath, [cli, 'serve', '--http', '127.0.0.1:0', '--log-level', 'warn', '--max-workers', String(workers),
    '--handler', `cpu=${handlersPath}#cpu`, '--handler', `square=${handlersPath}#square`], { stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  const base = await new Promise((resolve, reject) => {
    child.stdout.on('data', (chunk) => {
      output += chunk;
      const match = /serving on (http:\/\/\S+)/.exec(output);
      if (match) resolve(match[1]);
    });
    child.once('exit', (code) => reject(new Error(`service exited with ${code}: ${output}`)));
  });
  return { base, pid: child.pid, stop: () => new Promise((resolve) => { child.once('exit', resolve); child.kill('SIGTERM'); }) };
}

/** Kilobytes of a /proc/PID/status field (VmRSS, VmHWM). */
function procStatusKb(pid, field) {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith(`${field}:`));
  return Number(line?.split(/\s+/)[1]);
}

/** Reads a job's stream to `end`: rows seen and when the first result came. */
async function readStream(base, id) {
  const response = await fetch(`${base}/jobs/${id}/stream`);
  const decoder = new TextDecoder();
  let results = 0;
  let errors = 0;
  let firstResultAt;
  let tail = '';
  for await (const chunk of response.body) {
    const text = tail + decoder.decode(chunk, { stream: true });
    const cut = text.lastIndexOf('\n');
    tail = text.slice(cut + 1);
    for (const line of text.slice(0, cut).split('\n')) {
      if (line === 'event: result') {
        results += 1;
        firstResultAt ??= performance.now();
      } else if (line === 'event: _eric_error') errors += 1;
      else if (line === 'event: end') return { results, errors, firstResultAt };
    }
  }
  throw new Error(`the stream of job ${id} ended without an end event`);
}

/** One job through HTTP+SSE: POST the rows, read the stream to `end`. */
async function runHttp(base, handler, rows) {
  const started = performance.now();
  const response = await fetch(`${base}/jobs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ handler, rows, workers }) });
  if (response.status !== 202) throw new Error(`POST /jobs: ${response.status} ${await response.text()}`);
  const { job_id: id } = await response.json();
  const { results, errors, firstResultAt } = await readStream(base, id);
  const elapsedMs = performance.now() - started;
  if (results + errors !== rows.length || errors !== 0) throw new Error(`job ${id}: ${results} results, ${errors} errors for ${rows.length} rows`);
  return { elapsedMs, firstResultMs: firstResultAt - started };
}

/** The same rows through processQueue directly. */
async function runDirect(exportName, rows) {
  const started = performance.now();
  const channel = new DataProcessingChannel({ maxWorkers: workers });
  const listener = new WorkerListener(handlersPath, { name: exportName });
  channel.registerListener(listener);
  for (let i = 0; i < rows.length; i += 1) await channel.dispatch(listener.id, new Message('row', rows[i]));
  await channel.notifyEnd();
  let count = 0;
  let firstResultAt;
  for await (const event of channel.processQueue(listener)) {
    if (event.event === '_eric_error') throw new Error(`row failed: ${JSON.stringify(event.data)}`);
    firstResultAt ??= performance.now();
    count += 1;
  }
  const elapsedMs = performance.now() - started;
  await channel.close();
  if (count !== rows.length) throw new Error(`direct: ${count} results for ${rows.length} rows`);
  return { elapsedMs, firstResultMs: firstResultAt - started };
}

/** Best of `repeats` runs of each contender, alternating them; rows/s of each and the ratio. */
async function compare(base, name, handler, rows) {
  const http = [];
  const direct = [];
  for (let r = 0; r < repeats; r += 1) {
    progress(`${name}: run ${r + 1}/${repeats}`);
    direct.push(await runDirect(handler, rows));
    http.push(await runHttp(base, handler, rows));
  }
  const best = (runs) => Math.min(...runs.map((run) => run.elapsedMs));
  const httpRowsPerSecond = Math.round((rows.length / best(http)) * 1000);
  const directRowsPerSecond = Math.round((rows.length / best(direct)) * 1000);
  return { workload: name, rows: rows.length, workers, httpRowsPerSecond, directRowsPerSecond, ratio: +(httpRowsPerSecond / directRowsPerSecond).toFixed(3) };
}

/** Time to first result: a 10-row cpu job, median of several, both ways. */
async function firstResult(base, rounds) {
  const rows = Array.from({ length: 10 }, (_, n) => ({ n, rounds }));
  const http = [];
  const direct = [];
  for (let k = 0; k < (quick ? 3 : 9); k += 1) {
    http.push((await runHttp(base, 'cpu', rows)).firstResultMs);
    direct.push((await runDirect('cpu', rows)).firstResultMs);
  }
  http.sort((a, b) => a - b);
  direct.sort((a, b) => a - b);
  return { httpP50Ms: +percentile(http, 50).toFixed(1), directP50Ms: +percentile(direct, 50).toFixed(1) };
}

/** NDJSON upload of `count` rows, streamed with backpressure; the service's peak RSS growth. */
async function ndjsonUpload(service, count) {
  const baselineKb = procStatusKb(service.pid, 'VmRSS');
  const hwmBeforeKb = procStatusKb(service.pid, 'VmHWM');
  const started = performance.now();
  const url = new URL(`${service.base}/jobs?handler=square&workers=${workers}`);
  const request = http.request({ host: url.hostname, port: url.port, path: url.pathname + url.search, method: 'POST', headers: { 'content-type': 'application/x-ndjson' } });
  const answered = new Promise((resolve, reject) => {
    request.once('response', resolve);
    request.once('error', reject);
  });
  let peakKb = 0;
  const sampler = setInterval(() => (peakKb = Math.max(peakKb, procStatusKb(service.pid, 'VmRSS'))), 50);
  const writing = (async () => {
    let batch = '';
    for (let n = 0; n < count; n += 1) {
      batch += `${n}\n`;
      if (batch.length >= 16_384) {
        if (!request.write(batch)) await new Promise((resolve) => request.once('drain', resolve));
        batch = '';
      }
    }
    request.end(batch);
  })();
  const response = await answered;
  const id = response.headers.location.split('/')[2];
  response.resume();
  const { results, errors } = await readStream(service.base, id);
  await writing;
  clearInterval(sampler);
  const elapsedMs = performance.now() - started;
  const hwmAfterKb = procStatusKb(service.pid, 'VmHWM');
  peakKb = Math.max(peakKb, hwmAfterKb > hwmBeforeKb ? hwmAfterKb : peakKb);
  if (results + errors !== count) throw new Error(`NDJSON job: ${results + errors} rows of ${count}`);
  return {
    rows: count,
    rowsPerSecond: Math.round((count / elapsedMs) * 1000),
    baselineRssMb: +(baselineKb / 1024).toFixed(1),
    peakRssGrowthMb: +((peakKb - baselineKb) / 1024).toFixed(1),
  };
}

const rounds = calibrateRounds();
progress(`cpu handler: ${rounds} rounds ≈ 1 ms; ${workers} workers`);
const service = await startService();
try {
  // Warm-up: threads, JIT, the service's first request.
  await runHttp(service.base, 'square', Array.from({ length: 1000 }, (_, n) => n));
  await runDirect('square', Array.from({ length: 1000 }, (_, n) => n));
  const cpuRows = Array.from({ length: quick ? 300 : 3000 }, (_, n) => ({ n, rounds }));
  const smallRows = Array.from({ length: quick ? 20_000 : 200_000 }, (_, n) => n);
  const comparisons = [await compare(service.base, 'cpu (~1 ms a row)', 'cpu', cpuRows), await compare(service.base, 'small (square a number)', 'square', smallRows)];
  progress('time to first result');
  const first = await firstResult(service.base, rounds);
  progress('NDJSON upload');
  const upload = await ndjsonUpload(service, quick ? 100_000 : 1_000_000);

  console.log(`Node ${process.version}, ${os.cpus().length} CPUs, ${workers} workers; service in a child process, client here`);
  console.table(comparisons.map((c) => ({ workload: c.workload, rows: c.rows, 'HTTP+SSE rows/s': c.httpRowsPerSecond, 'processQueue rows/s': c.directRowsPerSecond, 'HTTP / direct': c.ratio })));
  console.log(`time to first result (10-row cpu job, p50): HTTP ${first.httpP50Ms} ms (POST → first result event), direct ${first.directP50Ms} ms (dispatch → first result)`);
  console.log(`NDJSON upload of ${upload.rows.toLocaleString('en')} rows: ${upload.rowsPerSecond.toLocaleString('en')} rows/s, service RSS ${upload.baselineRssMb} MB before, peak growth ${upload.peakRssGrowthMb} MB (goal < 150)`);
  const cpuRatio = comparisons[0].ratio;
  console.log(`goal HTTP / direct >= 0.9 for the cpu handler: ${cpuRatio >= 0.9 ? 'met' : 'NOT met'} (${cpuRatio})`);
  saveResults('jobs', { quick, workers, cpuRounds: rounds, comparisons, timeToFirstResult: first, ndjsonUpload: upload });
} finally {
  await service.stop();
}
