// `eric-sse serve --http` as a real child process: it serves, logs a line per request, takes
// its token from the environment, and on SIGTERM sends open streams the closed message and
// exits 0; --help, --version and usage errors.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { MESSAGE_TYPE_CLOSED } from 'eric-sse';
import { ericApi, onCleanup, openStream } from './http-helpers.js';
import { kCli, runCli } from './cli-helpers.js';


/** Starts `eric-sse serve --http 127.0.0.1:0 ...args`; resolves with its base URL once it serves. */
async function startCli(args: string[], env: NodeJS.ProcessEnv = {}) {
  const child: ChildProcessWithoutNullStreams = spawn(process.execPath, [kCli, 'serve', '--http', '127.0.0.1:0', ...args], {
    env: { ...process.env, ERIC_SSE_TOKEN: '', REDIS_URL: '', ...env },
  });
  onCleanup(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  let output = '';
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => (output += chunk));
  const base = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (chunk: string) => {
      output += chunk;
      const match = /serving on (http:\/\/\S+)/.exec(output);
      if (match) resolve(match[1]!);
    });
    child.once('exit', (code) => reject(new Error(`CLI exited with ${code} before serving: ${output}`)));
  });
  return { child, base, output: () => output };
}

describe('eric-sse serve --http', () => {
  it('serves, logs a line per request, and on SIGTERM ends open streams with the closed message', async () => {
    const { child, base, output } = await startCli([]);
    expect(base).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const api = ericApi(base);
    const c = await api.createChannel();
    const l = await api.subscribe(c);
    const stream = await openStream(`${base}/stream/${c}/${l}`);
    await api.dispatch(c, l, 'hello', { n: 1 });
    await stream.until(1);
    expect(output()).toMatch(/"method":"PUT","url":"\/create","status":200/);
    expect((await fetch(`${base}/channels?token=not-for-logs`)).status).toBe(200);
    while (!output().includes('/channels?token=')) await once(child.stdout, 'data');
    expect(output()).toContain('"url":"/channels?token=[redacted]"');
    expect(output()).not.toContain('not-for-logs');
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    await stream.done;
    expect(stream.events().map((e) => [e.event, e.data])).toEqual([
      ['hello', '{"n":1}'],
      [MESSAGE_TYPE_CLOSED, 'null'],
    ]);
    const [code] = (await exited) as [number | null];
    expect(code).toBe(0);
    expect(output()).toContain('eric-sse: stopped\n');
  });

  it('takes its token from ERIC_SSE_TOKEN (or --token), and --log-level warn is quiet', async () => {
    const { base, output } = await startCli(['--log-level', 'warn'], { ERIC_SSE_TOKEN: 'from-env' });
    expect(output()).toContain('(bearer token required)');
    expect((await fetch(`${base}/channels`)).status).toBe(401);
    expect((await fetch(`${base}/channels`, { headers: { authorization: 'Bearer from-env' } })).status).toBe(200);
    const flagged = await startCli(['--token', 'flag', '--log-level', 'warn']);
    expect((await fetch(`${flagged.base}/channels`, { headers: { authorization: 'Bearer flag' } })).status).toBe(200);
    expect(output()).not.toContain('"url":"/channels"');
  });

  it('--help, serve --help, --version, and usage errors (exit code 2)', async () => {
    const help = await runCli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('serve --http [HOST:]PORT');
    expect(help.stdout).toContain('serve --socket PATH');
    const serveHelp = await runCli(['serve', '--help']);
    expect(serveHelp.stdout).toContain('--token TOKEN');
    expect(serveHelp.stdout).toContain('--cors ORIGIN');
    expect(serveHelp.stdout).toContain('--log-level LEVEL');
    const version = await runCli(['--version']);
    expect(version.stdout).toBe(`${(createRequire(import.meta.url)('../package.json') as { version: string }).version}\n`);
    const cases = [
      [['serve', '--http', 'nowhere'], '--http expects [HOST:]PORT such as 8000 or 0.0.0.0:8000, got "nowhere"'],
      [['serve', '--http', '70000'], 'got "70000"'],
      [['serve', '--http', '8000', '--mode', '600'], '--mode applies to --socket only'],
      [['serve', '--socket', '/tmp/x.sock', '--token', 't'], '--token applies to --http only'],
      [['serve', '--http', '8000', '--socket', '/tmp/x.sock'], 'not both'],
      [['serve', '--http', '8000', '--log-level', 'loud'], '--log-level expects one of'],
      [['serve', '--http', '8000', '--history-size', '0'], '--history-size must be at least 1'],
      [['serve', '--http', '8000', '--retry-ms', 'soon'], '--retry-ms expects a whole number, got "soon"'],
    ] as const;
    const answers = await Promise.all(cases.map(([args]) => runCli([...args])));
    cases.forEach(([args, message], i) => {
      expect([args, answers[i]!.code]).toEqual([args, 2]);
      expect(answers[i]!.stderr).toContain(message);
    });
  });
});
