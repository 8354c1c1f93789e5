// `eric-sse serve --http ... --handler NAME=MODULE[#EXPORT] --max-workers N` as a real child
// process: handlers registered by name, workers capped, usage errors with exit code 2.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { onCleanup } from './http-helpers.js';
import { dataOf, readJob } from './jobs-helpers.js';
import { kCli, runCli } from './cli-helpers.js';

const rowHandler = fileURLToPath(new URL('./fixtures/row-handler.js', import.meta.url));
const examples = fileURLToPath(new URL('../examples/jobs/handlers.js', import.meta.url));

describe('eric-sse serve --http with job handlers', () => {
  it('--handler registers by name (default export or #export), --max-workers caps a job', async () => {
    const child = spawn(process.execPath, [
      kCli, 'serve', '--http', '127.0.0.1:0', '--log-level', 'warn', '--max-workers', '1',
      '--handler', `rows=${rowHandler}`, '--handler', `square=${examples}#square`,
    ]);
    onCleanup(() => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    });
    let output = '';
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const base = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        const match = /serving on (http:\/\/\S+)/.exec(output);
        if (match) resolve(match[1]!);
      });
      child.once('exit', (code) => reject(new Error(`exited with ${code}: ${output}`)));
    });
    expect(await (await fetch(`${base}/handlers`)).json()).toEqual(['rows', 'square']);
    const posted = await fetch(`${base}/jobs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ handler: 'square', rows: [2, 3], workers: 8, ordered: true }),
    });
    const { job_id: id } = (await posted.json()) as { job_id: string };
    const events = await readJob(`${base}/jobs/${id}/stream`).finished;
    expect(dataOf(events, 'result')).toEqual([
      { index: 0, data: 4 },
      { index: 1, data: 9 },
    ]);
    expect(await (await fetch(`${base}/jobs/${id}`)).json()).toMatchObject({ workers: 1, state: 'completed' });
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    expect(((await exited) as [number | null])[0]).toBe(0);
  });

  it('usage errors name the flag (exit code 2); serve --help tells about jobs', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['--handler', 'rows'], /--handler expects name=path\/to\/module\.js\[#export\], got "rows"/],
      [['--handler', 'rows=./no/such.js'], /handler "rows": no module at ".*no\/such\.js"/],
      [['--handler', `rows=${rowHandler}`, '--handler', `rows=${rowHandler}`], /--handler "rows" is given twice/],
      [['--max-workers', '0'], /--max-workers must be at least 1/],
      [['--max-workers', 'two'], /--max-workers expects a whole number, got "two"/],
    ];
    for (const [args, message] of cases) {
      const { code, stderr } = await runCli(['serve', '--http', '127.0.0.1:0', ...args]);
      expect(code, args.join(' ')).toBe(2);
      expect(stderr).toMatch(message);
    }
    const socket = await runCli(['serve', '--socket', '/tmp/never.sock', '--handler', `rows=${rowHandler}`]);
    expect(socket.code).toBe(2);
    expect(socket.stderr).toContain('--handler applies to --http only');
    const help = await runCli(['serve', '--help']);
    for (const text of ['--handler NAME=MODULE[#EXPORT]', '--max-workers N', '--job-history-size N', 'GET /metrics']) expect(help.stdout).toContain(text);
  });
});
