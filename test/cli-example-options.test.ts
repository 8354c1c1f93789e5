// Every example, given an option it does not have, prints its usage and exits 2: no stack trace.
import { execFile } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { kRepoRoot } from './cli-helpers.js';

const kExamples = [
  'examples/benchmarks/main.js',
  'examples/distributed-app/main.js',
  'examples/http-resume/main.js',
  'examples/inmemory/main.js',
  'examples/producer-consumer/main.js',
  'examples/redis-workers/consumer.js',
  'examples/redis-workers/main.js',
  'examples/redis-workers/producer.js',
  'examples/sockets/receiver.js',
  'examples/sockets/run-all.js',
  'examples/sockets/sender.js',
  'examples/sockets/server.js',
];

function runExample(file: string, args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [file, ...args], { cwd: kRepoRoot, timeout: 20_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? (child.exitCode ?? null) : 0, stdout, stderr });
    });
  });
}

describe('examples reject unknown options', () => {
  it.each(kExamples)('%s --no-such-option: usage and exit 2', async (file) => {
    const { code, stderr } = await runExample(file, ['--no-such-option']);
    expect(code).toBe(2);
    expect(stderr).toContain('--no-such-option');
    expect(stderr).toContain(`Usage: node ${file}`);
    expect(stderr).not.toMatch(/\n\s+at /);
  });
});
