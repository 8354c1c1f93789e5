// examples/http-resume runs to the end by itself and shows a resume without loss.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const repoRoot = fileURLToPath(new URL('..', import.meta.url));

describe('examples/http-resume', () => {
  it('drops a stream, resumes with Last-Event-ID without loss, and gets the notice for an unknown id', async () => {
    const { stdout } = await run(process.execPath, ['examples/http-resume/main.js'], { cwd: repoRoot, timeout: 20_000 });
    const lines = stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^first connection: 1 \(id (\w+)-1\), 2 \(id \1-2\), 3 \(id \1-3\)$/);
    expect(lines[1]).toMatch(/^resumed after \w+-3: 4, 5, 6, 7$/);
    expect(lines[2]).toBe('unknown id: _eric_events_lost {"reason":"unknown","lastEventId":"not-an-id-of-this-service"}');
  });
});
