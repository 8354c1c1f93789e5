// Typed payloads and results type-check as documented: tsc on test/types/typed-payloads.test-d.ts
// against the built declarations (the package self-reference 'eric-sse').
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const repoRoot = fileURLToPath(new URL('..', import.meta.url));
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');

describe('typed payloads', () => {
  it('interface- and class-typed payloads, Message<T>, MessageHandler<In, Out>, ProcessedEvent<T> (test/types/typed-payloads.test-d.ts)', async () => {
    const args = [
      tsc, '--noEmit', '--strict', '--noUncheckedIndexedAccess', '--target', 'ES2022', '--module', 'NodeNext',
      '--moduleResolution', 'NodeNext', '--types', 'node', '--skipLibCheck', '--lib', 'ES2023',
      'test/types/typed-payloads.test-d.ts',
    ];
    const outcome = await run(process.execPath, args, { cwd: repoRoot }).then(
      () => '',
      (error: { stdout?: string }) => error.stdout ?? String(error),
    );
    expect(outcome).toBe('');
  }, 60_000);
});
