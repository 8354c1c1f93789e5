// A client that stops reading, in the service: it is disconnected (its listener stopped, still
// registered, its backlog kept in the queue) while a fast client on the same channel gets
// every event; then it resumes from the last event it really got, losing nothing.
import { describe, expect, it } from 'vitest';
import { openStream, parseEventStream, rawConnection, splitResponse, startService } from './http-helpers.js';

const kEvents = 800;
const kPayload = 'x'.repeat(16 * 1024); // 12.5 MiB in all: more than a stalled socket buffers

describe('a slow client in the service', () => {
  it('is disconnected while a fast one gets every event; the heap stays bounded; it resumes without loss', async () => {
    // Generous: the fast client shares this thread with the server.
    const service = await startService({ stream: { maxBlockedMs: 1000, heartbeatMs: 0 } });
    const c = await service.createChannel();
    const fastId = await service.subscribe(c);
    const slowId = await service.subscribe(c);
    const slow = await rawConnection(service.port, `GET /stream/${c}/${slowId} HTTP/1.1\r\nHost: x\r\n\r\n`);
    slow.socket.pause(); // stops reading
    const fast = await openStream(`${service.base}/stream/${c}/${fastId}`);
    const heapBefore = process.memoryUsage().heapUsed;
    for (let i = 0; i < kEvents; i += 1) await service.broadcast(c, 'n', { i, kPayload });
    await fast.until(kEvents);
    expect(fast.events().map((e) => (JSON.parse(e.data) as { i: number }).i)).toEqual(Array.from({ length: kEvents }, (_, i) => i));
    // The backlog is in the slow listener's queue (the same message objects the fast one got),
    // not in response buffers: growth stays far below a copy per event.
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(96 * 1024 * 1024);

    slow.socket.resume(); // what was buffered arrives, then the disconnection
    await slow.closed;
    const listener = service.app.eric.channels.get(c).getListener(slowId);
    expect(listener.isRunningSync()).toBe(false);
    expect(service.app.eric.channels.get(c).getListenerIds()).toEqual([fastId, slowId]);
    const got = parseEventStream(splitResponse(slow.text()).body).events;
    expect(got.length).toBeLessThan(kEvents);
    const lastId = got.at(-1)?.id;
    const resumed = await openStream(`${service.base}/stream/${c}/${slowId}`, lastId ? { 'last-event-id': lastId } : {});
    await resumed.until(kEvents - got.length);
    const all = [...got, ...resumed.events()].map((e) => (JSON.parse(e.data) as { i: number }).i);
    expect(all).toEqual(Array.from({ length: kEvents }, (_, i) => i));
  });
});
