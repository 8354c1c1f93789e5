// Graceful shutdown: shutdown() ends open streams, lets commands finish and removes the socket
// file; the `eric-sse serve` CLI (a real child process) does the same on SIGINT and SIGTERM.
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { SocketClient } from 'eric-sse';
import { onCleanup, openStream, startServer, tempSocketPath, UUID } from './socket-helpers.js';
import { kCli, runCli } from './cli-helpers.js';


/** Runs the CLI; resolves once it prints that it is serving. */
async function startCli(args: string[]): Promise<{ child: ChildProcessWithoutNullStreams; output: () => string }> {
  const child = spawn(process.execPath, [kCli, ...args]);
  onCleanup(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  let stdout = '';
  child.stdout.setEncoding('utf8');
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    stdout += chunk;
  });
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (chunk: string) => {
      stdout += chunk;
      if (stdout.includes('serving on')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`CLI exited with ${code} before serving: ${stdout}`)));
  });
  return { child, output: () => stdout };
}

describe('socket server graceful shutdown', () => {
  it('shutdown() ends open l and w streams, closes connections and removes the socket file', async () => {
    const server = await startServer();
    const channel = server.cc.add();
    const listener = channel.addListener();
    const listening = await openStream(server.socketPath, { v: 'l', c: channel.id, r: listener.id });
    const watching = await openStream(server.socketPath, { v: 'w', c: channel.id });
    await expect.poll(() => channel.getListenerIds().length).toBe(2);
    expect(listener.isRunningSync()).toBe(true);

    await server.shutdown();

    expect(await listening.lines.next()).toBeUndefined(); // the stream ended: connection closed
    expect(await watching.lines.next()).toBeUndefined();
    expect(listener.isRunningSync()).toBe(false);
    expect(channel.getListenerIds()).toEqual([listener.id]); // the watch's own listener is gone
    expect(server.connections).toBe(0);
    expect(existsSync(server.socketPath)).toBe(false);
    await expect(new SocketClient(server.socketPath).createChannel()).rejects.toMatchObject({ code: 'ENOENT' });
    await server.onClose();
  });

  it('shutdown() waits for a running command to finish', async () => {
    const server = await startServer();
    const channel = server.cc.add();
    const listener = channel.addListener();
    let release!: () => void;
    // A slow onMessage keeps the stream's delivery in flight while shutdown starts.
    listener.onMessage = () => new Promise<void>((resolve) => (release = resolve));
    await channel.dispatch(listener.id, { type: 'slow', payload: 1 });
    const stream = await openStream(server.socketPath, { v: 'l', c: channel.id, r: listener.id });
    await expect.poll(() => typeof release).toBe('function');
    const shutdown = server.shutdown();
    release();
    await shutdown;
    expect(await stream.lines.next()).toBe('{"event": "slow", "retry": 5, "data": 1}');
    expect(await stream.lines.next()).toBeUndefined();
  });

  it('shutdown() closes, after shutdownTimeoutMs, a stream whose client stopped reading', async () => {
    const server = await startServer({ shutdownTimeoutMs: 100 });
    const channel = server.cc.add();
    const listener = channel.addListener();
    const big = 'x'.repeat(64 * 1024);
    for (let n = 0; n < 200; n += 1) await channel.dispatch(listener.id, { type: 'big', payload: big });
    const { socket } = await openStream(server.socketPath, { v: 'l', c: channel.id, r: listener.id });
    socket.pause(); // never reads: the server's writes back up
    await expect.poll(() => listener.isRunningSync()).toBe(true);
    const closed = once(socket, 'close');
    await server.shutdown();
    expect(server.connections).toBe(0);
    expect(existsSync(server.socketPath)).toBe(false);
    socket.destroy();
    await closed;
  });

  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    it(`eric-sse serve stops gracefully on ${signal}: open stream ends, socket file removed, exit 0`, async () => {
      const socketPath = tempSocketPath();
      const { child, output } = await startCli(['serve', '--socket', socketPath]);
      expect(output()).toBe(`eric-sse: serving on ${socketPath}\n`);
      expect((statSync(socketPath).mode & 0o777).toString(8)).toBe('600');

      const client = new SocketClient(socketPath);
      const channelId = await client.createChannel();
      expect(channelId).toMatch(UUID);
      const listenerId = await client.register(channelId);
      await client.broadcastMessage(channelId, 'before', 1);
      const lines: string[] = [];
      const streaming = (async () => {
        for await (const line of client.stream(channelId, listenerId)) lines.push(line);
      })();
      await expect.poll(() => lines.length).toBe(1);

      const exited = once(child, 'exit');
      child.kill(signal);
      await streaming; // the server ended the stream
      const [code] = (await exited) as [number | null];
      expect(code).toBe(0);
      expect(output()).toContain('eric-sse: stopped\n');
      expect(existsSync(socketPath)).toBe(false);
      expect(JSON.parse(lines[0] as string)).toEqual({ event: 'before', retry: 5, data: 1 });
    });
  }

  it('eric-sse serve applies --mode, --max-request-bytes and --idle-timeout-ms', async () => {
    const socketPath = tempSocketPath();
    const { child } = await startCli([
      'serve',
      '--socket',
      socketPath,
      '--mode',
      '660',
      '--max-request-bytes',
      '64',
      '--idle-timeout-ms',
      '5000',
    ]);
    expect((statSync(socketPath).mode & 0o777).toString(8)).toBe('660');
    const client = new SocketClient(socketPath);
    expect(await client.sendPayload({ v: 'b', c: 'x', t: 'y', p: 'z'.repeat(100) })).toBe(
      'InvalidMessageFormat: Request larger than 64 bytes',
    );
    child.kill('SIGTERM');
    expect((await once(child, 'exit'))[0]).toBe(0);
  });

  it('eric-sse refuses a socket path where a server is live, and explains its usage', async () => {
    const server = await startServer();
    const busy = await runCli(['serve', '--socket', server.socketPath]);
    expect(busy.code).toBe(1);
    expect(busy.stderr).toBe(`eric-sse: A server is already listening on ${server.socketPath}; stop it or choose another path\n`);

    const help = await runCli(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: eric-sse serve --socket PATH');

    const noSocket = await runCli(['serve']);
    expect(noSocket.code).toBe(2);
    expect(noSocket.stderr).toContain('eric-sse: serve needs --socket PATH');

    const badMode = await runCli(['serve', '--socket', '/tmp/x.sock', '--mode', 'rw']);
    expect(badMode.code).toBe(2);
    expect(badMode.stderr).toContain('--mode expects octal permission bits');

    const unknown = await runCli(['launch']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('unknown command "launch"');
  });
});
