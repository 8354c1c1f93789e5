// The seed's client/server flow end to end over a real Unix socket: create a channel,
// register a listener, broadcast and dispatch, stream the events, remove listener and channel.
import { describe, expect, it } from 'vitest';
import { InvalidChannelException, InvalidListenerException, SocketClient } from 'eric-sse';
import { startServer, UUID } from './socket-helpers.js';

describe('socket client and server: the seed flow', () => {
  it('creates, registers, sends, streams and removes over the socket', async () => {
    const server = await startServer();
    const client = new SocketClient(server.socketPath);

    const channelId = await client.createChannel();
    expect(channelId).toMatch(UUID);
    expect(server.cc.getAllIds()).toEqual([channelId]);

    const listenerId = await client.register(channelId);
    expect(listenerId).toMatch(UUID);
    expect(server.cc.get(channelId).getListenerIds()).toEqual([listenerId]);

    expect(await client.broadcastMessage(channelId, 'txt', 'Hi there!')).toBe('ack');
    expect(await client.dispatch(channelId, listenerId, 'json', { n: 1, list: [true, null] })).toBe('ack');

    const received: unknown[] = [];
    for await (const line of client.stream(channelId, listenerId)) {
      received.push(JSON.parse(line));
      if (received.length === 2) break;
    }
    expect(received).toEqual([
      { event: 'txt', retry: 5, data: 'Hi there!' },
      { event: 'json', retry: 5, data: { n: 1, list: [true, null] } },
    ]);

    expect(await client.removeListener(channelId, listenerId)).toBe('ack');
    expect(server.cc.get(channelId).getListenerIds()).toEqual([]);
    await expect(client.removeListener(channelId, listenerId)).rejects.toBeInstanceOf(InvalidListenerException);

    expect(await client.removeChannel(channelId)).toBe('ack');
    expect(server.cc.getAllIds()).toEqual([]);
    await expect(client.register(channelId)).rejects.toBeInstanceOf(InvalidChannelException);
  });

  it('delivers events sent while a client is streaming, in order', async () => {
    const server = await startServer();
    const client = new SocketClient(server.socketPath);
    const channelId = await client.createChannel();
    const listenerId = await client.register(channelId);

    const stream = client.stream(channelId, listenerId);
    const first = stream.next(); // connects and waits on the empty queue
    await client.broadcastMessage(channelId, 'n', 0);
    const lines = [(await first).value];
    for (let n = 1; n < 5; n += 1) {
      await client.dispatch(channelId, listenerId, 'n', n);
      lines.push((await stream.next()).value);
    }
    await stream.return();
    expect(lines.map((line) => JSON.parse(line as string).data)).toEqual([0, 1, 2, 3, 4]);
  });

  it('keeps channels per server instance (no class-level container)', async () => {
    const one = await startServer();
    const two = await startServer();
    const channelId = await new SocketClient(one.socketPath).createChannel();
    expect(one.cc.getAllIds()).toEqual([channelId]);
    expect(two.cc.getAllIds()).toEqual([]);
    await expect(new SocketClient(two.socketPath).register(channelId)).rejects.toThrow(`No channel with id ${channelId}`);
  });

  it('handleCommand answers without a socket', async () => {
    const server = await startServer();
    const answers = async (raw: string): Promise<string[]> => {
      const out: string[] = [];
      for await (const answer of server.handleCommand(raw)) out.push(answer);
      return out;
    };
    const [channelId] = await answers('{"v": "c"}');
    expect(channelId).toMatch(UUID);
    expect(await answers(JSON.stringify({ v: 'b', c: channelId, t: 'x' }))).toEqual(['ack']);
    expect(await answers('{"v": "r", "c": "2"}')).toEqual(['InvalidChannelException: No channel with id 2']);
  });
});
