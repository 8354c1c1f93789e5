// Deeply nested JSON: a request nested deeper than maxRequestDepth (256 levels by default) is
// refused before anything is dispatched, with an answer naming the limit; the stream writer
// uses no recursion, so a deep payload that was accepted (a raised limit, or dispatched
// in-process) is streamed intact and the stream goes on.
import { describe, expect, it } from 'vitest';
import { Message, SocketServer } from 'eric-sse';
import { openStream, rawRequest, startServer, tempSocketPath, within } from './socket-helpers.js';

/** A `d` request whose payload nests `levels` arrays: `[[...[1]...]]`. */
function nestedDispatch(channelId: string, listenerId: string, levels: number): string {
  return `{"v": "d", "c": "${channelId}", "r": "${listenerId}", "t": "deep", "p": ${'['.repeat(levels)}1${']'.repeat(levels)}}`;
}

describe('socket nesting depth', () => {
  it('refuses a 4 KB request nested 2,000 levels, naming the limit, and dispatches nothing', async () => {
    const server = await startServer();
    const channel = server.cc.add();
    const listener = channel.addListener();
    const request = nestedDispatch(channel.id, listener.id, 2000);
    expect(Buffer.byteLength(request)).toBeLessThan(4200);
    const answer = await rawRequest(server.socketPath, request);
    expect(answer).toMatch(/^InvalidMessageFormat: Request nested deeper than 256 levels of arrays and objects \(the limit; the request object is level 1\): "/);

    // Nothing was queued: the next message is the first the listener gets.
    await channel.dispatch(listener.id, new Message('after'));
    const { socket, lines } = await openStream(server.socketPath, { v: 'l', c: channel.id, r: listener.id });
    expect(await within(lines.next(), 5000, 'the stream delivers')).toContain('"after"');
    socket.destroy();
  });

  it('accepts a request at exactly the limit and streams it back', async () => {
    const server = await startServer();
    const channel = server.cc.add();
    const listener = channel.addListener();
    // The request object is level 1, so its payload may nest 255 levels.
    expect(await rawRequest(server.socketPath, nestedDispatch(channel.id, listener.id, 256))).toMatch(/^InvalidMessageFormat: /);
    expect(await rawRequest(server.socketPath, nestedDispatch(channel.id, listener.id, 255))).toBe('ack');
    const { socket, lines } = await openStream(server.socketPath, { v: 'l', c: channel.id, r: listener.id });
    expect(await within(lines.next(), 5000, 'the stream delivers')).toBe(
      `{"event": "deep", "retry": 5, "data": ${'['.repeat(255)}1${']'.repeat(255)}}`,
    );
    socket.destroy();
  });

  it('counts brackets inside strings as text, not nesting', async () => {
    const server = await startServer();
    const channel = server.cc.add();
    const text = `${'['.repeat(1000)}\\"{{{${'{'.repeat(1000)}`;
    expect(await rawRequest(server.socketPath, `{"v": "b", "c": "${channel.id}", "t": "s", "p": "${text}"}`)).toBe('ack');
  });

  it('with a raised limit, streams a payload nested 5,000 levels intact and goes on', async () => {
    const server = await startServer({ maxRequestDepth: 10_000 });
    const channel = server.cc.add();
    const listener = channel.addListener();
    expect(await rawRequest(server.socketPath, nestedDispatch(channel.id, listener.id, 5000))).toBe('ack');
    await channel.dispatch(listener.id, new Message('next'));
    const { socket, lines } = await openStream(server.socketPath, { v: 'l', c: channel.id, r: listener.id });
    expect(await within(lines.next(), 5000, 'the deep event')).toBe(
      `{"event": "deep", "retry": 5, "data": ${'['.repeat(5000)}1${']'.repeat(5000)}}`,
    );
    expect(await within(lines.next(), 5000, 'the next event')).toContain('"next"');
    socket.destroy();
  });

  it('streams a payload nested 100,000 levels dispatched in-process', async () => {
    const server = await startServer();
    const channel = server.cc.add();
    const listener = channel.addListener();
    let payload: unknown = 'core';
    for (let n = 0; n < 50_000; n += 1) payload = { a: [payload] };
    await channel.dispatch(listener.id, new Message('very-deep', payload as never));
    await channel.dispatch(listener.id, new Message('next'));
    const { socket, lines } = await openStream(server.socketPath, { v: 'l', c: channel.id, r: listener.id });
    const line = await within(lines.next(), 5000, 'the deep event');
    expect(line).toBe(`{"event": "very-deep", "retry": 5, "data": ${'{"a": ['.repeat(50_000)}"core"${']}'.repeat(50_000)}}`);
    expect(await within(lines.next(), 5000, 'the next event')).toContain('"next"');
    socket.destroy();
  });

  it('validates maxRequestDepth', () => {
    expect(() => new SocketServer(tempSocketPath(), { maxRequestDepth: '4' as never })).toThrow(
      new TypeError('SocketServer option maxRequestDepth must be an integer, got "4" (string)'),
    );
    expect(() => new SocketServer(tempSocketPath(), { maxRequestDepth: 0 })).toThrow(RangeError);
  });
});
