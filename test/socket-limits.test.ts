// Limits: a request larger than maxRequestBytes (1 MiB by default) is refused with
// InvalidMessageFormat; a client that connects and sends nothing is dropped after the idle
// timeout; neither holds the server's resources.
import { describe, expect, it } from 'vitest';
import { InvalidMessageFormat, SocketClient } from 'eric-sse';
import { connect, rawRequest, readAll, startServer, UUID } from './socket-helpers.js';

describe('socket limits', () => {
  it('refuses a request over the default 1 MiB and accepts one at the limit', async () => {
    const server = await startServer();
    const channelId = server.cc.add().id;
    const request = (size: number): string => {
      const head = `{"v": "b", "c": "${channelId}", "t": "big", "p": "`;
      return `${head}${'x'.repeat(size - head.length - 2)}"}`;
    };
    expect(Buffer.byteLength(request(1024 * 1024))).toBe(1024 * 1024);
    expect(await rawRequest(server.socketPath, request(1024 * 1024))).toBe('ack');
    expect(await rawRequest(server.socketPath, request(1024 * 1024 + 1))).toBe(
      'InvalidMessageFormat: Request larger than 1048576 bytes',
    );
    expect(await rawRequest(server.socketPath, request(8 * 1024 * 1024))).toBe(
      'InvalidMessageFormat: Request larger than 1048576 bytes',
    );
    await expect.poll(() => server.connections).toBe(0);
  });

  it('applies a configured limit, and SocketClient rejects with InvalidMessageFormat', async () => {
    const server = await startServer({ maxRequestBytes: 100 });
    const client = new SocketClient(server.socketPath);
    const channelId = await client.createChannel();
    await expect(client.broadcastMessage(channelId, 't', 'x'.repeat(200))).rejects.toThrow(
      new InvalidMessageFormat('Request larger than 100 bytes'),
    );
    expect(await client.broadcastMessage(channelId, 't', 'small')).toBe('ack');
  });

  it('drops a client that connects and sends nothing, after the idle timeout', async () => {
    const server = await startServer({ idleTimeoutMs: 50 });
    const silent = await connect(server.socketPath);
    expect(await readAll(silent)).toBe(
      'InvalidMessageFormat: No complete request within 50 ms (a request ends when the client half-closes the connection)',
    );
    silent.destroy();
    await expect.poll(() => server.connections).toBe(0);
    expect(await rawRequest(server.socketPath, '{"v": "c"}')).toMatch(UUID);
  });

  it('drops a client that sends part of a request and stalls', async () => {
    const server = await startServer({ idleTimeoutMs: 50 });
    const stalled = await connect(server.socketPath);
    const answer = readAll(stalled);
    stalled.write('{"v": "c"');
    expect(await answer).toMatch(/^InvalidMessageFormat: No complete request within 50 ms/);
    stalled.destroy();
    await expect.poll(() => server.connections).toBe(0);
  });

  it('does not time out a stream that waits for events', async () => {
    const server = await startServer({ idleTimeoutMs: 20 });
    const client = new SocketClient(server.socketPath);
    const channelId = await client.createChannel();
    const listenerId = await client.register(channelId);
    const stream = client.stream(channelId, listenerId);
    const first = stream.next();
    // Outlive the idle timeout several times over, measured by the server's own timers.
    await new Promise((resolve) => setTimeout(resolve, 200));
    await client.broadcastMessage(channelId, 'late', 1);
    expect(JSON.parse((await first).value as string)).toMatchObject({ event: 'late' });
    await stream.return();
  });
});
