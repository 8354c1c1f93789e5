// `eric-sse run` as a real child process on real files and pipes: rows in NDJSON or CSV,
// results in order, failed rows with their line numbers, exit status, a closed output pipe,
// Ctrl-C, and usage errors.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { fixture, kCli, runCli, startCli, tempDir } from './cli-helpers.js';

const kRowHandler = fixture('row-handler.js');
const kUpper = fixture('cli/upper-handler.js');

function lines(text: string): string[] {
  return text.split('\n').filter((line) => line !== '');
}

describe('eric-sse run', () => {
  it('reads an NDJSON file, writes results in input order, and reports failed rows with their line numbers', async () => {
    const dir = tempDir();
    const input = path.join(dir, 'rows.ndjson');
    // Line 3 is blank (skipped), line 4 fails in the handler, line 5 is not JSON.
    writeFileSync(input, '{"n":1}\n{"n":2}\n\n{"n":3,"fail":true}\nnot json\n{"n":4}\n');
    const output = path.join(dir, 'out.ndjson');
    const errors = path.join(dir, 'errors.ndjson');
    const result = await runCli(['run', '--handler', kRowHandler, '--input', input, '--output', output, '--errors', errors, '--ordered', '--workers', '2']);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(lines(readFileSync(output, 'utf8'))).toEqual(['1', '4', '16']);
    const failed = lines(readFileSync(errors, 'utf8')).map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(failed).toEqual([
      { line: 4, index: 2, name: 'RangeError', message: 'row 3 asked to fail', row: { n: 3, fail: true } },
      { line: 5, index: 3, name: 'InvalidMessageFormat', message: expect.stringMatching(/^Line 5 is not valid JSON/) },
    ]);
    expect(result.stderr).toMatch(/^eric-sse: 5 rows read, 5 done \(2 failed\) in .+ rows\/s\n$/);
  });

  it('without --errors, failed rows go to stderr a line each; --allow-failures exits 0', async () => {
    const result = await runCli(['run', '--handler', kRowHandler, '--allow-failures'], { stdin: '{"n":2}\n{"n":5,"fail":true}\n' });
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('4\n');
    expect(result.stderr).toContain('eric-sse: line 2: RangeError: row 5 asked to fail\n');
    expect(result.stderr).toContain('2 rows read, 2 done (1 failed)');
  });

  it('all rows done: exit 0 and nothing on stderr when it is not a terminal', async () => {
    const rows = Array.from({ length: 500 }, (_, n) => JSON.stringify({ n })).join('\n');
    const result = await runCli(['run', '--handler', kRowHandler, '--workers', '2'], { stdin: rows });
    expect(result.code).toBe(0);
    expect(result.stderr).toBe('');
    // Completion order: every result once.
    expect(lines(result.stdout).map(Number).sort((a, b) => a - b)).toEqual(Array.from({ length: 500 }, (_, n) => n * n));
  });

  it('--progress shows the progress line and the summary even off a terminal', async () => {
    const result = await runCli(['run', '--handler', kRowHandler, '--progress'], { stdin: '{"n":1}\n' });
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/1 rows read, 1 done in .*rows\/s\n$/);
  });

  it('CSV in and out through pipes: a header row, quoted fields kept, a short record reported by line', async () => {
    const csv = 'name,qty\nab,1\n"c,d",2\nshort\n"multi\nline",3\nzero,0\n';
    const result = await runCli(['run', '--handler', kUpper, '--format', 'csv', '--ordered'], { stdin: csv });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('name,qty\nAB,10\n"C,D",20\n"MULTI\nLINE",30\n');
    expect(result.stderr).toMatch(/eric-sse: InvalidMessageFormat: Line 4 is not a valid CSV record: .*\n/);
    expect(result.stderr).toContain('eric-sse: line 7: RangeError: qty of zero is zero\n');
  });

  it('CSV in, NDJSON out; a result the output format cannot carry is a failed row', async () => {
    const dir = tempDir();
    const input = path.join(dir, 'rows.csv');
    writeFileSync(input, 'name,qty\nab,1\n');
    const ndjson = await runCli(['run', '--handler', `${kUpper}#asText`, '--input', input, '--output-format', 'ndjson']);
    expect(ndjson).toMatchObject({ code: 0, stdout: '"ab"\n', stderr: '' });
    const csv = await runCli(['run', '--handler', `${kUpper}#asText`, '--input', input]);
    expect(csv.code).toBe(1);
    expect(csv.stdout).toBe('');
    expect(csv.stderr).toContain('eric-sse: line 2: UnwritableResultError: a CSV output row must be an object (its keys name the columns), got "ab" (string)\n');
  });

  it('a closed output pipe (... | head) ends the run at once and quietly, exit 0', async () => {
    const dir = tempDir();
    const input = path.join(dir, 'many.ndjson');
    writeFileSync(input, `${Array.from({ length: 200_000 }, (_, n) => `{"n":${n}}`).join('\n')}\n`);
    const cli = startCli(['run', '--handler', kRowHandler, '--input', input, '--workers', '1']);
    await cli.until(() => cli.stdout().includes('\n'));
    cli.child.stdout.destroy();
    const { code, signal, stderr } = await cli.exited;
    expect({ code, signal, stderr }).toEqual({ code: 0, signal: null, stderr: '' });
  });

  it('Ctrl-C stops reading, lets the rows in flight finish, writes the summary and exits 130', async () => {
    const dir = tempDir();
    const cli = startCli(['run', '--handler', fixture('cli/file-gate-handler.js'), '--workers', '3', '--ordered']);
    // Standard input stays open: the run must stop reading without waiting for its end.
    cli.child.stdin.write([1, 2, 3].map((id) => JSON.stringify({ dir, id })).join('\n') + '\n');
    while (![1, 2, 3].every((id) => existsSync(path.join(dir, `started-${id}`)))) await sleep(10);
    cli.child.kill('SIGINT');
    await cli.until(() => cli.stderr().includes('interrupted'));
    expect(cli.stdout()).toBe('');
    writeFileSync(path.join(dir, 'go'), '');
    const { code, stdout, stderr } = await cli.exited;
    expect(code).toBe(130);
    expect(lines(stdout)).toEqual(['{"id":1}', '{"id":2}', '{"id":3}']);
    expect(stderr).toContain('eric-sse: interrupted: stopped reading; finishing the 3 rows already read (Ctrl-C again to drop them)\n');
    expect(stderr).toMatch(/eric-sse: 3 rows read, 3 done in .*; interrupted\n$/);
  });

  // A terminal needs a pseudo-terminal: util-linux `script` gives the child one.
  const hasScript = spawnSync('script', ['--version']).status === 0;
  it.skipIf(!hasScript)('on a terminal: the progress line, rewritten in place, then the summary (results in a file)', async () => {
    const dir = tempDir();
    const input = path.join(dir, 'rows.ndjson');
    writeFileSync(input, '{"n":1}\n{"n":2}\n{"n":3,"fail":true}\n');
    const output = path.join(dir, 'out.ndjson');
    const command = [process.execPath, kCli, 'run', '--handler', kRowHandler, '--input', input, '--output', output, '--ordered'].map((a) => `'${a}'`).join(' ');
    const result = spawnSync('script', ['-qec', command, '/dev/null'], { encoding: 'utf8', timeout: 30_000 });
    expect(result.status).toBe(1);
    const screen = result.stdout.replaceAll('\r\n', '\n');
    // Each progress line starts by clearing the line; the last one is cleared before the summary.
    expect(screen).toMatch(/\r\x1b\[2K3 rows done, 1 failed, [\d,]+ rows\/s, 100% read\r\x1b\[2Keric-sse: 3 rows read, 3 done \(1 failed\) in .+ rows\/s\n$/);
    expect(screen).toContain('eric-sse: line 3: RangeError: row 3 asked to fail\n');
    expect(lines(readFileSync(output, 'utf8'))).toEqual(['1', '4']);
  });

  it('usage mistakes exit 2 with the usage line and no stack trace', async () => {
    const cases: Array<[string[], string]> = [
      [['run'], 'run needs --handler MODULE[#EXPORT]'],
      [['run', '--handler', kRowHandler, '--bogus'], 'unknown option "--bogus"'],
      [['run', '--handler', 'no-such-handler.js'], '--handler: no such file "no-such-handler.js"'],
      [['run', '--handler', 'transform.ts'], 'is TypeScript, which Node 20 cannot load in worker threads'],
      [['run', '--handler', `${kRowHandler}#not-a-name`], 'is not an export name'],
      [['run', '--handler', kRowHandler, '--workers', '0'], '--workers must be at least 1'],
      [['run', '--handler', kRowHandler, '--format', 'xml'], '--format expects ndjson or csv, got "xml"'],
      [['run', '--handler', kRowHandler, '--input', '/no/such/file.ndjson'], 'cannot read --input "/no/such/file.ndjson"'],
      [['run', '--handler', kRowHandler, 'extra'], 'unexpected argument "extra"'],
    ];
    for (const [args, message] of cases) {
      const result = await runCli(args);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr).toContain(message);
      expect(result.stderr).toContain('Usage: eric-sse run --handler MODULE[#EXPORT] [options]\nRun "eric-sse run --help" for every option.\n');
      expect(result.stderr).not.toMatch(/\n\s+at /);
    }
  });

  it('a handler that cannot be loaded fails the run with exit 1, naming the module', async () => {
    const result = await runCli(['run', '--handler', `${kRowHandler}#missing`], { stdin: '{"n":1}\n' });
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/eric-sse: the run failed: .*missing/);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });

  it('--help describes every option', async () => {
    const result = await runCli(['run', '--help']);
    expect(result.code).toBe(0);
    for (const flag of ['--handler', '--workers', '--ordered', '--input', '--output', '--errors', '--format', '--output-format', '--allow-failures', '--progress']) {
      expect(result.stdout).toContain(flag);
    }
  });
});
