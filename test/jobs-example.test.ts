// examples/jobs runs to the end by itself: a job at 1 worker and at the maximum, every row back.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const repoRoot = fileURLToPath(new URL('..', import.meta.url));

describe('examples/jobs', () => {
  it('runs a job at 1 worker and at the maximum, streams every row back, prints the speed-up', async () => {
    const { stdout } = await run(process.execPath, ['examples/jobs/main.js', '--rows', '60'], { cwd: repoRoot, timeout: 30_000 });
    expect(stdout).toContain('handlers: cpu, square; 60 rows');
    expect(stdout).toMatch(/1 worker: \d+ rows\/s; \d+ workers: \d+ rows\/s; speed-up \d+\.\d\dx/);
    expect(stdout).toContain('every row came back: true');
  });
});
