// A message popped for a client that turns out to be gone (its write fails) is handed back to
// the head of the listener's queue, in order, never lost: the next stream of the listener gets it.
import { describe, expect, it } from 'vitest';
import { Message } from 'eric-sse';
import { openStream, startServer, within } from './socket-helpers.js';

describe('socket failed write hand-back', () => {
  it('hands messages written to a vanished client back, in order, for the next stream', async () => {
    // The probe never runs during the test: only the failing write reveals that A is gone.
    const server = await startServer({ peerCheckIntervalMs: 600_000 });
    const channel = server.cc.add();
    const listener = channel.addListener();
    const a = await openStream(server.socketPath, { v: 'l', c: channel.id, r: listener.id });
    await channel.dispatch(listener.id, new Message('warm-up'));
    expect(await a.lines.next()).toContain('"warm-up"');
    a.socket.destroy();

    // A's stream pops these and writes them into the dead socket.
    await Promise.all(['m1', 'm2', 'm3'].map((type) => channel.dispatch(listener.id, new Message(type))));
    await expect.poll(() => server.connections).toBe(0); // the failed write revealed A's departure
    expect(listener.isRunningSync()).toBe(false);

    await channel.dispatch(listener.id, new Message('m4'));
    const b = await openStream(server.socketPath, { v: 'l', c: channel.id, r: listener.id });
    const types: string[] = [];
    for (let n = 0; n < 4; n += 1) {
      const line = await within(b.lines.next(), 5000, `B gets message ${n + 1} of 4`);
      types.push((JSON.parse(line!) as { event: string }).event);
    }
    expect(types).toEqual(['m1', 'm2', 'm3', 'm4']);
    b.socket.destroy();
  });

  it('hands back a message whose write failed even when the next stream has already taken over', async () => {
    const server = await startServer({ peerCheckIntervalMs: 600_000 });
    const channel = server.cc.add();
    const listener = channel.addListener();
    const a = await openStream(server.socketPath, { v: 'l', c: channel.id, r: listener.id });
    await expect.poll(() => listener.isRunningSync()).toBe(true);
    a.socket.destroy();
    // The dispatch and the takeover race: A's stream may pop the message before B's request is read.
    const dispatched = channel.dispatch(listener.id, new Message('raced'));
    const b = await openStream(server.socketPath, { v: 'l', c: channel.id, r: listener.id });
    await dispatched;
    expect(await within(b.lines.next(), 5000, 'B gets the raced message')).toContain('"raced"');
    b.socket.destroy();
  });
});
