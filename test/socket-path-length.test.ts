// A socket path longer than the platform allows (107 bytes of UTF-8 on Linux, 103 on macOS) is
// refused up front with an error naming the limit and the path's length: nothing is bound, no
// file is left behind, and a program that tried exits instead of hanging on a half-bound server.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SocketClient, SocketServer } from 'eric-sse';
import { onCleanup, rawRequest, tempSocketPath, UUID } from './socket-helpers.js';

const kLimit = process.platform === 'linux' ? 107 : 103;

/** A path of exactly `bytes` bytes of UTF-8 in a fresh temporary directory, padded with `fill`. */
function pathOfBytes(bytes: number, fill = 'p'): string {
  const dir = path.dirname(tempSocketPath());
  const head = `${dir}/`;
  const room = bytes - Buffer.byteLength(head);
  const fillBytes = Buffer.byteLength(fill);
  const padded = fill.repeat(Math.floor(room / fillBytes)) + 'q'.repeat(room % fillBytes);
  const result = head + padded;
  expect(Buffer.byteLength(result)).toBe(bytes);
  return result;
}

describe('socket path length', () => {
  it('serves on a path of exactly the limit', async () => {
    const socketPath = pathOfBytes(kLimit);
    const server = new SocketServer(socketPath);
    onCleanup(() => server.shutdown());
    await server.listen();
    expect(readdirSync(path.dirname(socketPath))).toEqual([path.basename(socketPath)]);
    expect(await rawRequest(socketPath, '{"v": "c"}')).toMatch(UUID);
    expect(await new SocketClient(socketPath).createChannel()).toMatch(UUID);
  });

  it('refuses a path one byte over the limit in the constructor, naming the limit and the length', () => {
    const socketPath = pathOfBytes(kLimit + 1);
    expect(() => new SocketServer(socketPath)).toThrow(RangeError);
    expect(() => new SocketServer(socketPath)).toThrow(
      `SocketServer socketPath is ${kLimit + 1} bytes long (UTF-8) but a Unix socket path may have at most ${kLimit} bytes on ${process.platform}`,
    );
    expect(readdirSync(path.dirname(socketPath))).toEqual([]);
  });

  it('measures the length in bytes, not characters', () => {
    const socketPath = pathOfBytes(kLimit + 1, 'é'); // fewer characters than bytes
    expect(socketPath.length).toBeLessThanOrEqual(kLimit);
    expect(() => new SocketServer(socketPath)).toThrow(`is ${kLimit + 1} bytes long`);
  });

  it('SocketServer.start rejects and SocketClient refuses such a path too', async () => {
    const socketPath = pathOfBytes(kLimit + 20);
    await expect(SocketServer.start(socketPath)).rejects.toThrow(`at most ${kLimit} bytes`);
    expect(() => new SocketClient(socketPath)).toThrow(`SocketClient socketPath is ${kLimit + 20} bytes long`);
    expect(readdirSync(path.dirname(socketPath))).toEqual([]);
  });

  it('a program that catches the failure of start() on too long a path exits by itself, leaving no file', async () => {
    const socketPath = pathOfBytes(kLimit + 30);
    const child = spawn(
      process.execPath,
      ['--input-type=module', '-e', `import { SocketServer } from 'eric-sse';
         try { await SocketServer.start(${JSON.stringify(socketPath)}); } catch (error) { console.error(error.message); }`],
      { cwd: process.cwd(), stdio: ['ignore', 'ignore', 'pipe'] },
    );
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    // A bound on a hang: before the fix the process stayed alive, bound to a truncated path.
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
    clearTimeout(timer);
    expect(signal).toBeNull();
    expect(code).toBe(0);
    expect(stderr).toContain(`at most ${kLimit} bytes`);
    expect(readdirSync(path.dirname(socketPath))).toEqual([]);
  });
});
