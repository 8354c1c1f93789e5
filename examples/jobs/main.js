// Processing jobs over HTTP, end to end in one file: a service with the example handlers
// (handlers.js, the ones `npm start` registers), the same CPU-heavy job run at 1 worker and
// at the service's maximum, each read from its event stream as results come, then the
// speed-up. A client would do the same against `npm start` (see README, "Processing jobs
// over HTTP").
//
//   node examples/jobs/main.js [--rows N]
import os from 'node:os';
import { parseArgs } from 'node:util';
import { createService } from 'eric-sse';

const { values } = parseArgs({ options: { rows: { type: 'string', default: '400' } } });
const rows = Number(values.rows);
if (!Number.isInteger(rows) || rows < 1) throw new TypeError(`--rows expects a positive whole number, got ${JSON.stringify(values.rows)}`);

const handlers = new URL('./handlers.js', import.meta.url);
const app = createService({ logLevel: 'warn', handlers: { cpu: new URL('#cpu', handlers), square: new URL('#square', handlers) } });
await app.listen({ host: '127.0.0.1', port: 0 });
const base = `http://127.0.0.1:${app.server.address().port}`;

/** Reads a job's event stream to its `end` event; calls `onEvent(type, data)` for each. */
async function follow(jobId, onEvent) {
  const response = await fetch(`${base}/jobs/${jobId}/stream`);
  let text = '';
  for await (const chunk of response.body.pipeThrough(new TextDecoderStream())) {
    text += chunk;
    let end;
    while ((end = text.indexOf('\n\n')) !== -1) {
      const block = text.slice(0, end);
      text = text.slice(end + 2);
      const type = /^event: (.*)$/m.exec(block)?.[1];
      const data = /^data: (.*)$/m.exec(block)?.[1];
      if (type !== undefined && data !== undefined) onEvent(type, JSON.parse(data));
    }
  }
}

/** Runs the cpu handler over `rows` rows with `workers` threads; resolves with the `end` summary. */
async function runJob(workers) {
  const body = { handler: 'cpu', rows: Array.from({ length: rows }, (_, n) => ({ n })), workers };
  const posted = await fetch(`${base}/jobs`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const { job_id: jobId } = await posted.json();
  let results = 0;
  let summary;
  await follow(jobId, (type, data) => {
    if (type === 'result') results += 1;
    if (type === 'progress') process.stdout.write(`\r  ${workers} worker(s): ${data.done}/${data.total} rows, ${data.rowsPerSecond} rows/s   `);
    if (type === 'end') summary = data;
  });
  process.stdout.write('\n');
  return { ...summary, results, rowsPerSecond: Math.round((summary.done / summary.elapsedMs) * 1000) };
}

const { handlers: names } = await (await fetch(`${base}/stats`)).json();
console.log(`handlers: ${names.join(', ')}; ${rows} rows of ~1 ms each`);
const one = await runJob(1);
const most = await runJob(os.availableParallelism());
console.log(`1 worker: ${one.rowsPerSecond} rows/s; ${os.availableParallelism()} workers: ${most.rowsPerSecond} rows/s; speed-up ${(most.rowsPerSecond / one.rowsPerSecond).toFixed(2)}x`);
console.log(`every row came back: ${one.results === rows && most.results === rows}`);
await app.close();
