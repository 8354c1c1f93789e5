// Every failure answers one line naming the error class and what was wrong, and the server
// keeps serving; the client rejects with the matching class, in this server's wording and in
// Python's repr wording.
import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import {
  InvalidChannelException,
  InvalidListenerException,
  InvalidMessageFormat,
  SocketClient,
} from 'eric-sse';
import { pythonRequest, rawRequest, startServer, tempSocketPath, UUID } from './socket-helpers.js';

describe('socket errors', () => {
  it('answers malformed requests with InvalidMessageFormat naming the problem', async () => {
    const server = await startServer();
    const path = server.socketPath;
    const cases: Array<[string | Uint8Array, RegExp]> = [
      ['{"v": "c"', /^InvalidMessageFormat: Request is not valid JSON \(.+\): "\{\\"v\\": \\"c\\"" *$/],
      ['', /^InvalidMessageFormat: Request is not valid JSON/],
      ['[1, 2]', /^InvalidMessageFormat: Request must be a JSON object, got array/],
      ['"v"', /^InvalidMessageFormat: Request must be a JSON object, got string/],
      ['{"c": "x"}', /^InvalidMessageFormat: Missing verb "v" in request/],
      ['{"v": "x"}', /^InvalidMessageFormat: Unknown verb "x"; expected one of d, b, c, r, l, w, rl, rc$/],
      ['{"v": 3}', /^InvalidMessageFormat: Unknown verb "3"/],
      ['{"v": "b", "c": "x"}', /^InvalidMessageFormat: Missing message type "t" for verb "b"$/],
      ['{"v": "d", "c": "x", "r": "y"}', /^InvalidMessageFormat: Missing message type "t" for verb "d"$/],
      ['{"v": "b", "c": "x", "t": 5}', /^InvalidMessageFormat: Message type "t" must be a non-empty string, got number$/],
      ['{"v": "b", "c": "x", "t": ""}', /^InvalidMessageFormat: Message type "t" must be a non-empty string/],
      ['{"v": "r", "c": 12}', /^InvalidMessageFormat: "c" \(channel id\) must be a string, got number$/],
      ['{"v": "rl", "c": "x", "r": ["y"]}', /^InvalidMessageFormat: "r" \(listener id\) must be a string, got array$/],
      [new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]), /^InvalidMessageFormat: Request is not valid UTF-8$/],
    ];
    for (const [request, expected] of cases) {
      const answer = await rawRequest(path, request);
      expect(answer, `answer to ${JSON.stringify(String(request))}`).toMatch(expected);
      expect(answer).not.toContain('\n');
    }
    // Still serving.
    expect(await rawRequest(path, pythonRequest({ v: 'c' }))).toMatch(UUID);
  });

  it('answers unknown channels and listeners with their exception, for every verb', async () => {
    const server = await startServer();
    const path = server.socketPath;
    const channelId = await rawRequest(path, pythonRequest({ v: 'c' }));
    const noChannel = 'InvalidChannelException: No channel with id 2';
    for (const verb of ['r', 'w', 'rc', 'l', 'rl', 'b', 'd']) {
      expect(await rawRequest(path, pythonRequest({ v: verb, c: '2', r: 'x', t: 'txt' })), verb).toBe(noChannel);
    }
    for (const verb of ['l', 'rl', 'd']) {
      expect(await rawRequest(path, pythonRequest({ v: verb, c: channelId, r: 'nobody', t: 'txt' })), verb).toBe(
        'InvalidListenerException: No listener with id nobody',
      );
      expect(await rawRequest(path, pythonRequest({ v: verb, c: channelId, t: 'txt' })), verb).toBe(
        `InvalidListenerException: Missing listener id "r" for verb "${verb}"`,
      );
    }
    expect(await rawRequest(path, pythonRequest({ v: 'r' }))).toBe('InvalidChannelException: Missing channel id "c" for verb "r"');
    expect(await rawRequest(path, pythonRequest({ v: 'r', c: null }))).toBe(
      'InvalidChannelException: Missing channel id "c" for verb "r"',
    );
  });

  it('keeps serving other connections, including an open stream, while requests fail', async () => {
    const server = await startServer();
    const client = new SocketClient(server.socketPath);
    const channelId = await client.createChannel();
    const listenerId = await client.register(channelId);
    const stream = client.stream(channelId, listenerId);
    const first = stream.next();
    await Promise.all([
      rawRequest(server.socketPath, 'garbage'),
      rawRequest(server.socketPath, '{"v": "zz"}'),
      rawRequest(server.socketPath, pythonRequest({ v: 'b', c: 'nope', t: 'x' })),
    ]);
    await client.broadcastMessage(channelId, 'still', 'alive');
    expect(JSON.parse((await first).value as string)).toEqual({ event: 'still', retry: 5, data: 'alive' });
    await stream.return();
  });

  it('client methods reject with the matching error class', async () => {
    const server = await startServer();
    const client = new SocketClient(server.socketPath);
    const channelId = await client.createChannel();
    await expect(client.register('2')).rejects.toThrow(new InvalidChannelException('No channel with id 2'));
    await expect(client.broadcastMessage('2', 'x', 1)).rejects.toBeInstanceOf(InvalidChannelException);
    await expect(client.dispatch(channelId, 'nobody', 'x', 1)).rejects.toBeInstanceOf(InvalidListenerException);
    await expect(client.removeListener(channelId, 'nobody')).rejects.toBeInstanceOf(InvalidListenerException);
    await expect(client.removeChannel('2')).rejects.toBeInstanceOf(InvalidChannelException);
    await expect(client.broadcastMessage(channelId, '', 1)).rejects.toBeInstanceOf(InvalidMessageFormat);
    await expect(client.stream(channelId, 'nobody').next()).rejects.toThrow(
      new InvalidListenerException('No listener with id nobody'),
    );
    await expect(client.watch('2').next()).rejects.toBeInstanceOf(InvalidChannelException);
    // sendPayload gives the raw answer instead.
    expect(await client.sendPayload({ v: 'r', c: '2' })).toBe('InvalidChannelException: No channel with id 2');
  });

  it('client recognises the Python server wording of errors', async () => {
    // A stand-in for a Python eric_sse server: answers repr(exception) and closes.
    const path = tempSocketPath();
    const answers = [
      "InvalidChannelException('No channel with id 2')",
      'InvalidListenerException()',
      'InvalidMessageFormat("{\'v\': 1}")',
      "JSONDecodeError('Expecting value: line 1 column 1 (char 0)')",
    ];
    let next = 0;
    const python = createServer({ allowHalfOpen: true }, (socket) => {
      socket.resume();
      socket.on('end', () => socket.end(answers[next++] ?? ''));
    });
    await new Promise<void>((resolve) => python.listen(path, resolve));
    try {
      const client = new SocketClient(path);
      await expect(client.register('2')).rejects.toThrow(new InvalidChannelException('No channel with id 2'));
      await expect(client.removeListener('1', '2')).rejects.toBeInstanceOf(InvalidListenerException);
      await expect(client.broadcastMessage('1', 'x')).rejects.toThrow(new InvalidMessageFormat("{'v': 1}"));
      const other = await client.createChannel().catch((error: unknown) => error);
      expect(other).toBeInstanceOf(Error);
      expect((other as Error).name).toBe('JSONDecodeError');
    } finally {
      await new Promise((resolve) => python.close(resolve));
    }
  });

  it('client reports a missing server with the socket path', async () => {
    const path = tempSocketPath();
    await expect(new SocketClient(path).createChannel()).rejects.toThrow(path);
    await expect(new SocketClient(path).createChannel()).rejects.toMatchObject({ code: 'ENOENT' });
    await expect(new SocketClient(path).stream('a', 'b').next()).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
