// The exact bytes on the wire, as Python eric_sse writes and expects them: answers without a
// trailing newline, stream events as Python's json.dumps (", " and ": " separators, non-ASCII
// escaped) one per line, requests read up to the client's half-close.
import { describe, expect, it } from 'vitest';
import { MESSAGE_TYPE_CLOSED, Message, UniqueMessage } from 'eric-sse';
import { connect, openStream, pythonRequest, rawRequest, readAll, startServer, UUID } from './socket-helpers.js';

describe('socket wire format', () => {
  it('answers c and r with the bare id and d, b, rl, rc with a bare ack', async () => {
    const server = await startServer();
    const path = server.socketPath;
    const channelId = await rawRequest(path, pythonRequest({ v: 'c' }));
    expect(channelId).toMatch(UUID);
    const listenerId = await rawRequest(path, pythonRequest({ v: 'r', c: channelId }));
    expect(listenerId).toMatch(UUID);
    expect(await rawRequest(path, pythonRequest({ v: 'b', c: channelId, t: 'txt', p: 'Hi there!' }))).toBe('ack');
    expect(await rawRequest(path, pythonRequest({ v: 'd', c: channelId, r: listenerId, t: 'txt', p: 1 }))).toBe('ack');
    expect(await rawRequest(path, pythonRequest({ v: 'rl', c: channelId, r: listenerId }))).toBe('ack');
    expect(await rawRequest(path, pythonRequest({ v: 'rc', c: channelId }))).toBe('ack');
  });

  it('accepts compact JSON and a request split over several writes', async () => {
    const server = await startServer();
    expect(await rawRequest(server.socketPath, '{"v":"c"}')).toMatch(UUID);
    const socket = await connect(server.socketPath);
    const answer = readAll(socket);
    socket.write('{"v"');
    socket.write(': ');
    socket.end('"c"}');
    expect(await answer).toMatch(UUID);
    socket.destroy();
  });

  it('streams each event as a Python json.dumps line ending with a newline', async () => {
    const server = await startServer();
    const channel = server.cc.add();
    const listener = channel.addListener();
    await channel.dispatch(listener.id, new Message('txt', 'Hi there! é ✓ 😀'));
    await channel.dispatch(listener.id, new Message('obj', { a: [1, 2.5, { b: null }], e: {}, l: [] }));
    await channel.dispatch(listener.id, new Message('none'));
    await channel.dispatch(listener.id, new UniqueMessage('m-1', new Message('u', 7)));
    await channel.dispatch(listener.id, new Message(MESSAGE_TYPE_CLOSED));

    const socket = await connect(server.socketPath);
    const answer = readAll(socket);
    socket.end(pythonRequest({ c: channel.id, r: listener.id, v: 'l' }));
    // The closed message ends the stream, and the server then closes the connection.
    expect(await answer).toBe(
      '{"event": "txt", "retry": 5, "data": "Hi there! \\u00e9 \\u2713 \\ud83d\\ude00"}\n' +
        '{"event": "obj", "retry": 5, "data": {"a": [1, 2.5, {"b": null}], "e": {}, "l": []}}\n' +
        '{"event": "none", "retry": 5, "data": null}\n' +
        '{"event": "u", "retry": 5, "data": 7, "id": "m-1"}\n' +
        `{"event": "${MESSAGE_TYPE_CLOSED}", "retry": 5, "data": null}\n`,
    );
    socket.destroy();
  });

  it('w streams from a listener of its own, started for the connection', async () => {
    const server = await startServer();
    const channel = server.cc.add();
    const { socket, lines } = await openStream(server.socketPath, { v: 'w', c: channel.id });
    // The watch's listener exists once the server has read the request: wait for it by event.
    const first = lines.next();
    await expect.poll(() => channel.getListenerIds().length).toBe(1);
    await channel.broadcast(new Message('hello', { to: 'watchers' }));
    expect(await first).toBe('{"event": "hello", "retry": 5, "data": {"to": "watchers"}}');
    socket.destroy();
  });
});
