// A client that stops reading, in the service: it is disconnected (its listener stopped, still
// registered, its backlog kept in the queue) while a fast client on the same channel gets
// every event; then it resumes from the last event it really got, losing nothing.
import { setTimeout } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { Message } from 'eric-sse';
import { openStream, parseEventStream, rawConnection, splitResponse, startService } from './http-helpers.js';

const kEvents = 1200;
const kPayload = 'x'.repeat(16 * 1024); // 19 MiB in all: far more than a stalled loopback socket buffers (about 4 MiB)

describe('a slow client in the service', () => {
  it('is disconnected while a fast one gets every event; the heap stays bounded; it resumes without loss', async () => {
    // Generous: the fast client shares this thread with the server.
    const service = await startService({ stream: { maxBlockedMs: 2000, heartbeatMs: 0 } });
    const c = await service.createChannel();
    const fastId = await service.subscribe(c);
    const slowId = await service.subscribe(c);
    const slow = await rawConnection(service.port, `GET /stream/${c}/${slowId} HTTP/1.1\r\nHost: x\r\n\r\n`);
    slow.socket.pause(); // stops reading
    const fast = await openStream(`${service.base}/stream/${c}/${fastId}`);
    const heapBefore = process.memoryUsage().heapUsed;
    // Broadcast in-process (the routes have their own tests): quick even on a loaded machine.
    const channel = service.app.eric.channels.get(c);
    for (let i = 0; i < kEvents; i += 1) await channel.broadcast(new Message('n', { i, kPayload }));
    await fast.until(kEvents);
    expect(fast.events().map((e) => (JSON.parse(e.data) as { i: number }).i)).toEqual(Array.from({ length: kEvents }, (_, i) => i));
    // The backlog is in the slow listener's queue (the same message objects the fast one got),
    // not in response buffers: growth stays far below a copy per event.
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(96 * 1024 * 1024);

    // The server gives up on the slow client once it has been blocked for maxBlockedMs, and
    // stops its listener: wait for that (the test timeout bounds the wait).
    const listener = channel.getListener(slowId);
    while (listener.isRunningSync()) await setTimeout(20);
    slow.socket.resume(); // what was buffered arrives, then the disconnection
    await slow.closed;
    expect(service.app.eric.channels.get(c).getListenerIds()).toEqual([fastId, slowId]);
    const got = parseEventStream(splitResponse(slow.text()).body).events;
    expect(got.length).toBeLessThan(kEvents);
    const lastId = got.at(-1)?.id;
    const resumed = await openStream(`${service.base}/stream/${c}/${slowId}`, lastId ? { 'last-event-id': lastId } : {});
    await resumed.until(kEvents - got.length);
    const all = [...got, ...resumed.events()].map((e) => (JSON.parse(e.data) as { i: number }).i);
    expect(all).toEqual(Array.from({ length: kEvents }, (_, i) => i));
  }, 60_000); // a bound on a hang: it takes a few seconds
});
