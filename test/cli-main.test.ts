// The `eric-sse` command itself: --help lists every command, --version, and an unknown
// option or command anywhere gives the usage and exit 2, never a stack trace.
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { runCli } from './cli-helpers.js';

describe('eric-sse', () => {
  it('--help lists every command; -v and --version print the package version', async () => {
    const help = await runCli(['--help']);
    expect(help.code).toBe(0);
    for (const command of ['serve --http', 'serve --socket', 'run --handler']) expect(help.stdout).toContain(command);
    const { version } = createRequire(import.meta.url)('../package.json') as { version: string };
    for (const flag of ['--version', '-v']) expect((await runCli([flag])).stdout).toBe(`${version}\n`);
  });

  it('an unknown option or command, before or after the command name: usage and exit 2', async () => {
    const cases: Array<[string[], string, string]> = [
      [['--bogus'], 'eric-sse: unknown option "--bogus"', 'Usage: eric-sse <command> [options]\nRun "eric-sse --help" for every option.\n'],
      [['launch'], 'eric-sse: unknown command "launch"; the commands are serve, run', 'Run "eric-sse --help"'],
      [['serve', '--bogus'], 'eric-sse: unknown option "--bogus"', 'Usage: eric-sse serve --socket PATH [options]\n       eric-sse serve --http [HOST:]PORT [options]\nRun "eric-sse serve --help" for every option.\n'],
      [['run', '--handler', 'x.js', '-z'], 'eric-sse: unknown option "-z"', 'Run "eric-sse run --help" for every option.\n'],
    ];
    const results = await Promise.all(cases.map(([args]) => runCli(args)));
    cases.forEach(([args, message, usage], i) => {
      const { code, stderr, stdout } = results[i]!;
      expect({ args, code, stdout }).toEqual({ args, code: 2, stdout: '' });
      expect(stderr).toContain(message);
      expect(stderr).toContain(usage);
      expect(stderr).not.toMatch(/\n\s+at /);
    });
  });
});
