// Reconnect: a new `l` stream of a listener takes it over. The previous stream (if still open)
// ends without stopping the listener, takes no message from then on, and a departed client's
// stream never stops the listener another connection now streams. What the old connection had
// not yet handed to the OS goes back to the head of the queue for the new one.
import { describe, expect, it } from 'vitest';
import { Message } from 'eric-sse';
import { openStream, startServer, within } from './socket-helpers.js';

/** Large enough that a departed client is never noticed by the probe during a test. */
const kNeverProbe = { peerCheckIntervalMs: 600_000 };

describe('socket stream takeover', () => {
  it('a second l stream of a listener ends the first, and the listener keeps running for the second', async () => {
    const server = await startServer();
    const channel = server.cc.add();
    const listener = channel.addListener();
    const a = await openStream(server.socketPath, { v: 'l', c: channel.id, r: listener.id });
    await channel.dispatch(listener.id, new Message('to-a'));
    expect(await a.lines.next()).toContain('"to-a"');

    const b = await openStream(server.socketPath, { v: 'l', c: channel.id, r: listener.id });
    expect(await within(a.lines.next(), 5000, 'the first stream ends')).toBeUndefined();
    expect(listener.isRunningSync()).toBe(true);
    await channel.dispatch(listener.id, new Message('to-b'));
    expect(await within(b.lines.next(), 5000, 'the second stream gets the message')).toContain('"to-b"');
    expect(server.connections).toBe(1);
    b.socket.destroy();
  });

  it("client A vanishes unnoticed, B streams the same listener: A's stale stream takes nothing and stops nothing", async () => {
    const server = await startServer(kNeverProbe);
    const channel = server.cc.add();
    const listener = channel.addListener();
    const a = await openStream(server.socketPath, { v: 'l', c: channel.id, r: listener.id });
    await expect.poll(() => listener.isRunningSync()).toBe(true);
    a.socket.destroy(); // the server cannot see this until it writes to A

    const b = await openStream(server.socketPath, { v: 'l', c: channel.id, r: listener.id });
    await channel.dispatch(listener.id, new Message('first'));
    expect(await within(b.lines.next(), 5000, 'B gets the first message')).toContain('"first"');
    // A's connection is gone now; the listener still runs for B, and B keeps receiving.
    await expect.poll(() => server.connections).toBe(1);
    expect(listener.isRunningSync()).toBe(true);
    await channel.dispatch(listener.id, new Message('second'));
    expect(await within(b.lines.next(), 5000, 'B gets the second message')).toContain('"second"');
    b.socket.destroy();
  });

  it('takes over from an in-process handleCommand stream whose consumer stopped pulling', async () => {
    const server = await startServer();
    const channel = server.cc.add();
    const listener = channel.addListener();
    await channel.dispatch(listener.id, new Message('to-a'));
    const a = server.handleCommand(`{"v": "l", "c": "${channel.id}", "r": "${listener.id}"}`);
    expect((await a.next()).value).toContain('"to-a"'); // and then A never asks for more

    const b = await openStream(server.socketPath, { v: 'l', c: channel.id, r: listener.id });
    await channel.dispatch(listener.id, new Message('to-b'));
    expect(await within(b.lines.next(), 5000, 'B gets the message')).toContain('"to-b"');
    expect(listener.isRunningSync()).toBe(true);
    expect(await within(a.next(), 5000, 'A, resumed, has ended')).toEqual({ done: true, value: undefined });
    b.socket.destroy();
  });

  it('takes over from a client that stopped reading: what it was not handed goes to the new stream, nothing lost', async () => {
    const server = await startServer(kNeverProbe);
    const channel = server.cc.add();
    const listener = channel.addListener();
    const count = 400;
    const pad = 'x'.repeat(4000); // 400 x 4 KB: far more than the socket buffers hold
    for (let n = 0; n < count; n += 1) await channel.dispatch(listener.id, new Message('n', { n, pad }));

    const a = await openStream(server.socketPath, { v: 'l', c: channel.id, r: listener.id });
    a.socket.pause(); // A stops reading: the server's writes back up
    await expect.poll(() => listener.isRunningSync()).toBe(true);

    const b = await openStream(server.socketPath, { v: 'l', c: channel.id, r: listener.id });
    const seenByB: number[] = [];
    while (seenByB.length === 0 || seenByB[seenByB.length - 1]! < count - 1) {
      const line = await within(b.lines.next(), 5000, `B gets message ${String(seenByB.at(-1) ?? -1)} + 1`);
      expect(line).toBeDefined();
      seenByB.push((JSON.parse(line!) as { data: { n: number } }).data.n);
    }
    // A still gets what had reached its socket before the takeover, then the end.
    a.socket.resume();
    const seenByA: number[] = [];
    for (let line = await a.lines.next(); line !== undefined; line = await a.lines.next()) {
      try {
        seenByA.push((JSON.parse(line) as { data: { n: number } }).data.n);
      } catch {
        // a line cut short when the server dropped what A had not taken: its message went to B
      }
    }
    // B continues where A's complete lines stop (in order, nothing skipped); together they hold every message.
    expect(seenByB).toEqual(Array.from({ length: seenByB.length }, (_, i) => seenByB[0]! + i));
    expect(seenByB[0]).toBeLessThanOrEqual(seenByA.length);
    expect(seenByA).toEqual(Array.from({ length: seenByA.length }, (_, i) => i));
    expect(listener.isRunningSync()).toBe(true);
    b.socket.destroy();
  });
});
