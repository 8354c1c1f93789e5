// The seed's other SocketServer entry points: main() (serve until shut down) and
// connect_callback (serve one connection, here from a net.Server of the caller's own).
import { existsSync } from 'node:fs';
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { SocketClient, SocketServer } from 'eric-sse';
import { onCleanup, tempSocketPath } from './socket-helpers.js';

describe('SocketServer seed entry points', () => {
  it('main() serves until shutdown() and resolves after the socket file is gone', async () => {
    const socketPath = tempSocketPath();
    const server = new SocketServer(socketPath);
    let mainDone = false;
    const serving = server.main().then(() => {
      mainDone = true;
    });
    onCleanup(() => server.shutdown());
    const client = new SocketClient(socketPath);
    // The first command may race the bind: retry until the server answers.
    let channelId: string | undefined;
    while (channelId === undefined) {
      channelId = await client.createChannel().catch(() => new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 5)));
    }
    expect(server.cc.getAllIds()).toEqual([channelId]);
    expect(mainDone).toBe(false);
    await server.shutdown();
    await serving;
    expect(mainDone).toBe(true);
    expect(existsSync(socketPath)).toBe(false);
  });

  it('connectCallback serves connections accepted by a net.Server of the caller', async () => {
    const socketPath = tempSocketPath();
    const server = new SocketServer(tempSocketPath('unused.sock'));
    await server.listen();
    onCleanup(() => server.shutdown());
    const own = net.createServer({ allowHalfOpen: true }, (socket) => server.connectCallback(socket));
    await new Promise<void>((resolve) => own.listen(socketPath, resolve));
    onCleanup(() => new Promise<void>((resolve) => own.close(() => resolve())));

    const client = new SocketClient(socketPath);
    const channelId = await client.createChannel();
    const listenerId = await client.register(channelId);
    expect(await client.dispatch(channelId, listenerId, 'hi', 1)).toBe('ack');
    expect(server.cc.get(channelId).getListenerIds()).toEqual([listenerId]);
  });
});
