// A payload dispatched in-process that cannot be written as JSON (a BigInt, a circular
// structure, a toJSON that throws) does not end an `l` or `w` stream: that message becomes one
// `_eric_error` event line naming the error and the message type, and the stream goes on.
import { describe, expect, it } from 'vitest';
import { MESSAGE_TYPE_INTERNAL_ERROR, Message } from 'eric-sse';
import { openStream, startServer, within } from './socket-helpers.js';

interface WireEvent {
  event: string;
  retry: number;
  data: { name: string; message: string; type: string };
}

function unserialisable(): Array<[type: string, payload: unknown, error: RegExp]> {
  const circular: Record<string, unknown> = { name: 'loop' };
  circular['self'] = circular;
  const throwing = {
    toJSON(): never {
      throw Object.create(null) as Error; // not even printable
    },
  };
  return [
    ['big', { n: 10n }, /BigInt/],
    ['loop', circular, /circular/],
    ['throws', throwing, /./],
  ];
}

describe('socket unserialisable payloads', () => {
  it('an l stream writes an _eric_error line for each and goes on', async () => {
    const server = await startServer();
    const channel = server.cc.add();
    const listener = channel.addListener();
    const cases = unserialisable();
    for (const [type, payload] of cases) await channel.dispatch(listener.id, new Message(type, payload as never));
    await channel.dispatch(listener.id, new Message('fine', { ok: true }));
    const { socket, lines } = await openStream(server.socketPath, { v: 'l', c: channel.id, r: listener.id });
    for (const [type, , error] of cases) {
      const event = JSON.parse((await within(lines.next(), 5000, `the ${type} event`))!) as WireEvent;
      expect(event).toMatchObject({ event: MESSAGE_TYPE_INTERNAL_ERROR, retry: 5, data: { type } });
      expect(event.data.message).toContain(`Cannot write the payload of a "${type}" message as JSON`);
      expect(event.data.message).toMatch(error);
    }
    expect(await within(lines.next(), 5000, 'the fine event')).toBe('{"event": "fine", "retry": 5, "data": {"ok": true}}');
    expect(listener.isRunningSync()).toBe(true);
    socket.destroy();
  });

  it('a w stream does too', async () => {
    const server = await startServer();
    const channel = server.cc.add();
    const { socket, lines } = await openStream(server.socketPath, { v: 'w', c: channel.id });
    const first = lines.next();
    await expect.poll(() => channel.getListenerIds().length).toBe(1);
    await channel.broadcast(new Message('big', { n: 1n } as never));
    await channel.broadcast(new Message('fine'));
    expect(JSON.parse((await within(first, 5000, 'the error event'))!)).toMatchObject({
      event: MESSAGE_TYPE_INTERNAL_ERROR,
      data: { name: 'TypeError', type: 'big' },
    });
    expect(await within(lines.next(), 5000, 'the fine event')).toBe('{"event": "fine", "retry": 5, "data": null}');
    socket.destroy();
  });
});
