// A processQueue loop still waiting for messages when the process runs out of work (almost
// always a forgotten notifyEnd()) prints one warning line naming the likely cause, instead of
// Node's silent exit with code 13; a program that ends its stream gets no warning.
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

function runFixture(name: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = execFile(process.execPath, [fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url))], { timeout: 20_000 }, (_error, stdout, stderr) => {
      resolve({ code: child.exitCode, stdout, stderr });
    });
  });
}

describe('processQueue waiting at exit', () => {
  it('a forgotten notifyEnd(): one warning line naming the listener and the cause', async () => {
    const { code, stdout, stderr } = await runFixture('forgets-notify-end.js');
    expect(stdout.trim().split('\n').at(-1)).toBe('sum 5');
    expect(code).toBe(13);
    const warnings = stderr.split('\n').filter((line) => line.startsWith('eric-sse: warning:'));
    expect(warnings).toEqual([
      expect.stringMatching(
        /^eric-sse: warning: exiting while processQueue still waits for messages on listener squares of channel [\w-]+; the closed message never came: call channel\.notifyEnd\(\) after the last dispatch, or pass \{ until: "empty" \}$/,
      ),
    ]);
  });

  it('a program that ends its stream exits 0 without the warning', async () => {
    const { code, stdout, stderr } = await runFixture('forgets-close.js');
    expect(code).toBe(0);
    expect(stdout).toBe('sum 328350\n');
    expect(stderr).toBe('');
  });
});
