// The package installs as users install it: from the tarball `npm pack` makes, and from a git
// clone (`npm install git+file://...`, which builds through the `prepare` script). Each scratch
// project then imports the package and runs its `eric-sse` bin. Slow (npm installs for real,
// from the local npm cache where it can), so the whole file runs each install once.
import { execFile } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { kRepoRoot, tempDir } from './cli-helpers.js';

const exec = promisify(execFile);
const kInstallTimeoutMs = 240_000;
const kNpm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

/** A scratch ESM project in `dir` that uses the package and a handler of its own. */
function scratchProject(dir: string): void {
  writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'scratch', version: '1.0.0', type: 'module', private: true }));
  writeFileSync(path.join(dir, 'double.js'), 'export default (msg) => ({ doubled: msg.payload.n * 2 });\n');
  writeFileSync(
    path.join(dir, 'main.js'),
    [
      "import { DataProcessingChannel, Message, WorkerListener, SSEChannel } from 'eric-sse';",
      'const channel = new DataProcessingChannel({ maxWorkers: 2 });',
      "const listener = new WorkerListener(new URL('./double.js', import.meta.url));",
      'channel.registerListener(listener);',
      "for (let n = 1; n <= 3; n += 1) await channel.dispatch(listener.id, new Message('row', { n }));",
      'await channel.notifyEnd();',
      'const out = [];',
      'for await (const { data } of channel.processQueue(listener, { ordered: true })) out.push(data.doubled);',
      'await channel.close();',
      "console.log(typeof SSEChannel, out.join(','));",
    ].join('\n'),
  );
}

/**
 * Runs npm at the lowest CPU priority (nice 19) where `nice` exists: an install and a build
 * are heavy, and the test files running beside this one include timing-sensitive ones.
 */
function npm(args: string[], options: { cwd: string; timeout: number }) {
  return process.platform === 'win32' ? exec(kNpm, args, options) : exec('nice', ['-n', '19', kNpm, ...args], options);
}

async function npmInstall(dir: string, spec: string): Promise<void> {
  await npm(['install', '--prefer-offline', '--no-audit', '--no-fund', '--loglevel=error', spec], { cwd: dir, timeout: kInstallTimeoutMs });
}

/** Imports the installed package and runs its bin: `--version`, and `run` on two rows. */
async function checkInstalled(dir: string): Promise<void> {
  const { stdout } = await exec(process.execPath, ['main.js'], { cwd: dir, timeout: 30_000 });
  expect(stdout).toBe('function 2,4,6\n');
  const bin = path.join(dir, 'node_modules', '.bin', 'eric-sse');
  const { version } = (await import(path.join(kRepoRoot, 'package.json'), { with: { type: 'json' } })).default as { version: string };
  expect((await exec(bin, ['--version'], { cwd: dir })).stdout).toBe(`${version}\n`);
  const child = exec(bin, ['run', '--handler', './double.js', '--ordered', '--input', 'rows.ndjson'], { cwd: dir, timeout: 30_000 });
  expect((await child).stdout).toBe('{"doubled":2}\n{"doubled":4}\n');
}

describe('the package installs', () => {
  it('from the tarball npm pack makes', { timeout: kInstallTimeoutMs }, async () => {
    const dir = tempDir('eric-sse-pack-');
    // The build is already there (npm test builds first); --ignore-scripts so that packing
    // does not rebuild dist/ under the feet of the tests running beside this one.
    await npm(['pack', '--ignore-scripts', '--loglevel=error', '--pack-destination', dir], { cwd: kRepoRoot, timeout: 60_000 });
    const tarball = readdirSync(dir).find((name) => name.endsWith('.tgz'));
    expect(tarball).toMatch(/^eric-sse-\d+\.\d+\.\d+\.tgz$/);
    const project = path.join(dir, 'project');
    mkdirSync(project);
    scratchProject(project);
    writeFileSync(path.join(project, 'rows.ndjson'), '{"n":1}\n{"n":2}\n');
    await npmInstall(project, path.join(dir, tarball!));
    await checkInstalled(project);
  });

  it('from a fresh git clone (git+file://), built by its prepare script', { timeout: kInstallTimeoutMs }, async () => {
    const dir = tempDir('eric-sse-git-');
    // A clone holds what is committed: the test checks the committed state of the repository.
    const clone = path.join(dir, 'clone');
    await exec('git', ['clone', '--quiet', kRepoRoot, clone], { timeout: 60_000 });
    const project = path.join(dir, 'project');
    mkdirSync(project);
    scratchProject(project);
    writeFileSync(path.join(project, 'rows.ndjson'), '{"n":1}\n{"n":2}\n');
    await npmInstall(project, `git+file://${clone}`);
    await checkInstalled(project);
  });
});
