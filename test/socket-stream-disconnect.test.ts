// A client that goes away mid-stream: the server notices (even while the stream waits on an
// empty queue), stops the listener, closes the connection and leaks nothing — a watch's own
// listener is removed, and messages sent afterwards stay queued for a later `l`.
import { describe, expect, it } from 'vitest';
import { Message, SocketClient } from 'eric-sse';
import { openStream, startServer } from './socket-helpers.js';

describe('socket client disconnect mid-stream', () => {
  it('stops the listener of an l stream when the client closes while it waits', async () => {
    const server = await startServer();
    const channel = server.cc.add();
    const listener = channel.addListener();
    const { socket, lines } = await openStream(server.socketPath, { v: 'l', c: channel.id, r: listener.id });
    await channel.dispatch(listener.id, new Message('first'));
    expect(await lines.next()).toContain('"first"');
    expect(listener.isRunningSync()).toBe(true);

    socket.destroy(); // the stream now waits on an empty queue: nothing to write
    await expect.poll(() => server.connections).toBe(0);
    expect(listener.isRunningSync()).toBe(false);

    // Nothing was read ahead: what is sent now waits for the next `l`.
    await channel.dispatch(listener.id, new Message('later'));
    const again = await openStream(server.socketPath, { v: 'l', c: channel.id, r: listener.id });
    expect(await again.lines.next()).toContain('"later"');
    again.socket.destroy();
  });

  it('stops the stream when the client closes while events are flowing', async () => {
    const server = await startServer();
    const channel = server.cc.add();
    const listener = channel.addListener();
    for (let n = 0; n < 1000; n += 1) await channel.dispatch(listener.id, new Message('n', { n, pad: 'x'.repeat(200) }));
    const { socket, lines } = await openStream(server.socketPath, { v: 'l', c: channel.id, r: listener.id });
    expect(await lines.next()).toContain('"n": 0');
    socket.destroy();
    await expect.poll(() => server.connections).toBe(0);
    expect(listener.isRunningSync()).toBe(false);
  });

  it('removes the listener of a w stream when its client goes away', async () => {
    const server = await startServer();
    const channel = server.cc.add();
    const { socket, lines } = await openStream(server.socketPath, { v: 'w', c: channel.id });
    const first = lines.next();
    await expect.poll(() => channel.getListenerIds().length).toBe(1);
    await channel.broadcast(new Message('ping'));
    expect(await first).toContain('"ping"');
    socket.destroy();
    await expect.poll(() => channel.getListenerIds().length).toBe(0);
    expect(server.connections).toBe(0);
    // Broadcasts no longer queue anything for the gone watcher.
    await channel.broadcast(new Message('nobody'));
    expect(channel.getListenerIds()).toEqual([]);
  });

  it('SocketClient.stream: leaving the loop closes the connection and stops the listener', async () => {
    const server = await startServer();
    const client = new SocketClient(server.socketPath);
    const channelId = await client.createChannel();
    const listenerId = await client.register(channelId);
    await client.broadcastMessage(channelId, 'a', 1);
    for await (const line of client.stream(channelId, listenerId)) {
      expect(JSON.parse(line)).toMatchObject({ event: 'a' });
      break;
    }
    await expect.poll(() => server.connections).toBe(0);
    expect(server.cc.get(channelId).getListener(listenerId).isRunningSync()).toBe(false);
  });

  it('ends open streams when their channel is removed', async () => {
    const server = await startServer();
    const client = new SocketClient(server.socketPath);
    const channelId = await client.createChannel();
    const listenerId = await client.register(channelId);
    const lines: string[] = [];
    const streaming = (async () => {
      for await (const line of client.stream(channelId, listenerId)) lines.push(line);
    })();
    await expect.poll(() => server.cc.get(channelId).getListener(listenerId).isRunningSync()).toBe(true);
    await client.removeChannel(channelId);
    await streaming; // ends: the server closed the stream
    expect(lines).toEqual([]);
    expect(server.connections).toBe(0);
  });
});
