import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');

describe('public types', () => {
  // `npm test` runs vitest without --typecheck, so the .test-d.ts assertions are checked here
  // with tsc against the built declarations (the package self-reference 'eric-sse').
  it('messageStream yields SSEEvent for SSEChannel, Out for AbstractChannel<Out>, processQueue ProcessedEvent (test/types/core-stream.test-d.ts)', async () => {
    const args = [
      tsc, '--noEmit', '--strict', '--noUncheckedIndexedAccess', '--target', 'ES2022', '--module', 'NodeNext',
      '--moduleResolution', 'NodeNext', '--types', 'node', '--skipLibCheck', '--lib', 'ES2023',
      'test/types/core-stream.test-d.ts',
    ];
    const outcome = await run(process.execPath, args, { cwd: repoRoot }).then(
      () => '',
      (error: { stdout?: string }) => error.stdout ?? String(error),
    );
    expect(outcome).toBe('');
  });
});
