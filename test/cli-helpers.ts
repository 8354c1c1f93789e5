// Shared helpers of the CLI tests: the built `eric-sse` command as a real child process,
// temporary directories removed after each test, and the test fixtures' paths.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach } from 'vitest';

/** The built command's entry point, found through the package's own exports. */
export const kCli = path.join(path.dirname(createRequire(import.meta.url).resolve('eric-sse')), 'cli', 'main.js');
/** The repository's root. */
export const kRepoRoot = fileURLToPath(new URL('..', import.meta.url));

/** A fixture's absolute path: `fixture('cli/upper-handler.js')`. */
export function fixture(name: string): string {
  return fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));
}

const cleanups: Array<() => void> = [];
afterEach(() => {
  for (const cleanup of cleanups.splice(0).reverse()) cleanup();
});

/** A fresh temporary directory, removed after the test. */
export function tempDir(prefix = 'eric-sse-cli-'): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** A running `eric-sse` child process (killed after the test if still running), its output gathered. */
export function startCli(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}) {
  const child: ChildProcessWithoutNullStreams = spawn(process.execPath, [kCli, ...args], {
    cwd: options.cwd ?? kRepoRoot,
    env: { ...process.env, ...options.env },
  });
  cleanups.push(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  let stdout = '';
  let stderr = '';
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  const wake: Array<() => void> = [];
  const changed = (): void => {
    for (const resolve of wake.splice(0)) resolve();
  };
  child.stdout.on('data', (chunk: string) => {
    stdout += chunk;
    changed();
  });
  child.stderr.on('data', (chunk: string) => {
    stderr += chunk;
    changed();
  });
  let hasExited = false;
  const exited = once(child, 'close').then(([code, signal]) => {
    hasExited = true;
    changed();
    return { code: code as number | null, signal: signal as NodeJS.Signals | null, stdout, stderr };
  });
  /** Resolves once `condition()` holds, checked each time the child writes; rejects if it exits first. */
  const until = async (condition: () => boolean): Promise<void> => {
    while (!condition()) {
      if (hasExited) throw new Error(`eric-sse exited first; stderr: ${stderr}`);
      await new Promise<void>((resolve) => wake.push(resolve));
    }
  };
  return { child, exited, until, stdout: () => stdout, stderr: () => stderr };
}

/** Runs `eric-sse ...args` to its end, `stdin` written to its standard input; resolves with its exit code and output. */
export async function runCli(args: string[], options: { stdin?: string; cwd?: string; env?: NodeJS.ProcessEnv } = {}) {
  const cli = startCli(args, options);
  cli.child.stdin.end(options.stdin ?? '');
  return cli.exited;
}
