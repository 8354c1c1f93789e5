// The socket file: owner-only permissions by default (configurable), a stale file left by a
// crashed server is replaced, a path where a live server answers is refused, and a path that
// is not a socket is never deleted.
import { spawn } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { SocketClient, SocketServer } from 'eric-sse';
import { onCleanup, startServer, tempSocketPath, UUID } from './socket-helpers.js';

/** Leaves a socket file behind the way a crash does: a process that listens is SIGKILLed. */
async function leaveStaleSocket(path: string): Promise<void> {
  const child = spawn(
    process.execPath,
    ['-e', `require('node:net').createServer().listen(${JSON.stringify(path)}, () => console.log('ready'))`],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  await once(child.stdout, 'data');
  child.kill('SIGKILL');
  await once(child, 'exit');
}

describe('socket file safety', () => {
  it('creates the socket file with mode 0600 by default', async () => {
    const server = await startServer();
    const stats = statSync(server.socketPath);
    expect(stats.isSocket()).toBe(true);
    expect((stats.mode & 0o777).toString(8)).toBe('600');
  });

  it('uses the configured mode', async () => {
    const server = await startServer({ mode: 0o660 });
    expect((statSync(server.socketPath).mode & 0o777).toString(8)).toBe('660');
  });

  it('lets only the owner connect with the default mode; a wider mode admits others', async () => {
    // Connect as another user: as root, with a child process running as "nobody"; otherwise,
    // as ourselves against a mode that excludes the owner. Root ignores file permissions, so a
    // connection made by root itself would prove nothing.
    const asRoot = process.getuid?.() === 0;
    const tryConnect = async (socketPath: string): Promise<string> => {
      const child = spawn(
        process.execPath,
        [
          '-e',
          `require('node:net').createConnection(${JSON.stringify(socketPath)})
             .on('connect', () => { console.log('connected'); process.exit(0); })
             .on('error', (e) => { console.log(e.code); process.exit(0); });`,
        ],
        { stdio: ['ignore', 'pipe', 'inherit'], ...(asRoot ? { uid: 65534, gid: 65534 } : {}) },
      );
      let out = '';
      child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
      await once(child, 'exit');
      return out.trim();
    };
    const openDir = (socketPath: string): void => chmodSync(dirname(socketPath), 0o755); // let "nobody" reach the file
    const ownerOnly = await startServer(asRoot ? {} : { mode: 0o066 });
    openDir(ownerOnly.socketPath);
    expect(await tryConnect(ownerOnly.socketPath)).toBe('EACCES');
    const everyone = await startServer({ mode: 0o666 });
    openDir(everyone.socketPath);
    expect(await tryConnect(everyone.socketPath)).toBe('connected');
  });

  it('replaces a stale socket file left by a crashed server', async () => {
    const path = tempSocketPath();
    await leaveStaleSocket(path);
    expect(statSync(path).isSocket()).toBe(true);
    const server = await startServer({}, path);
    expect(await new SocketClient(path).createChannel()).toMatch(UUID);
    expect(server.isListening).toBe(true);
  });

  it('refuses a path where a live server answers, with a clear error, and leaves it serving', async () => {
    const live = await startServer();
    const second = new SocketServer(live.socketPath);
    await expect(second.listen()).rejects.toMatchObject({
      code: 'EADDRINUSE',
      message: `A server is already listening on ${live.socketPath}; stop it or choose another path`,
    });
    expect(await new SocketClient(live.socketPath).createChannel()).toMatch(UUID);
  });

  it('never deletes a path that is not a socket', async () => {
    const path = tempSocketPath('not-a-socket.txt');
    writeFileSync(path, 'precious');
    const server = new SocketServer(path);
    onCleanup(() => server.shutdown());
    await expect(server.listen()).rejects.toMatchObject({ code: 'EEXIST' });
    expect(readFileSync(path, 'utf8')).toBe('precious');
  });

  it('removes the socket file on shutdown', async () => {
    const server = await startServer();
    expect(existsSync(server.socketPath)).toBe(true);
    await server.shutdown();
    expect(existsSync(server.socketPath)).toBe(false);
    expect(server.isListening).toBe(false);
  });

  it('validates options with errors naming the option', () => {
    expect(() => new SocketServer('')).toThrow(TypeError);
    expect(() => new SocketServer('/tmp/x.sock', { mode: 0o1777 })).toThrow(/option mode must be between 0 and 511/);
    expect(() => new SocketServer('/tmp/x.sock', { maxRequestBytes: 0 })).toThrow(RangeError);
    expect(() => new SocketServer('/tmp/x.sock', { idleTimeoutMs: 1.5 })).toThrow(/idleTimeoutMs must be an integer/);
    expect(() => new SocketServer('/tmp/x.sock', { peerCheckIntervalMs: 0 })).toThrow(/peerCheckIntervalMs/);
  });
});
