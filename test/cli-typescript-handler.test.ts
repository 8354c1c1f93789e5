// examples/typescript-handler runs as written: compiled with tsc, its program runs the
// handler on worker threads, and `eric-sse run` takes the compiled handler; the .ts file
// itself gets a usage error that says to compile it.
import { execFile } from 'node:child_process';
import { createRequire } from 'node:module';
import path from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';
import { kRepoRoot, runCli } from './cli-helpers.js';

const exec = promisify(execFile);
const kExample = path.join(kRepoRoot, 'examples', 'typescript-handler');
const kTsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');

describe('examples/typescript-handler', () => {
  beforeAll(async () => {
    await exec(process.execPath, [kTsc, '-p', kExample], { cwd: kRepoRoot, timeout: 60_000 });
  }, 60_000);

  it('its compiled program prices the orders on worker threads, one failing alone', async () => {
    const { stdout } = await exec(process.execPath, [path.join(kExample, 'dist', 'main.js')], { cwd: kRepoRoot, timeout: 20_000 });
    expect(stdout).toBe(
      "priced: { id: 1, item: 'tea', total: 7.5 }\nfailed: order 2: quantity must be positive, got 0\npriced: { id: 3, item: 'jam', total: 6.4 }\n",
    );
  });

  it('eric-sse run takes the compiled handler, and points a .ts handler to tsc', async () => {
    const handler = 'examples/typescript-handler/dist/transform.js';
    const result = await runCli(['run', '--handler', handler, '--input', 'examples/typescript-handler/orders.ndjson', '--ordered', '--allow-failures']);
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('{"id":1,"item":"tea","total":7.5}\n{"id":3,"item":"jam","total":6.4}\n');
    expect(result.stderr).toContain('eric-sse: line 2: RangeError: order 2: quantity must be positive, got 0');
    const ts = await runCli(['run', '--handler', 'examples/typescript-handler/src/transform.ts']);
    expect(ts.code).toBe(2);
    expect(ts.stderr).toContain('is TypeScript, which Node 20 cannot load in worker threads; compile it first (tsc) and pass the .js file');
  });
});
