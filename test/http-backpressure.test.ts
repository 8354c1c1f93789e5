// Backpressure in writeEventStream: a client that stops reading stops the pulling (the backlog
// stays in the source, the heap stays flat) and is disconnected once blocked past its limit,
// while another client of the same server keeps getting every event.
import { describe, expect, it } from 'vitest';
import { writeEventStream, type EventStreamResult, type StreamEvent } from 'eric-sse';
import { deferred, parseEventStream, plainServer, rawConnection, splitResponse } from './http-helpers.js';

const kEventBytes = 16 * 1024;
const kPayload = 'x'.repeat(kEventBytes);

describe('writeEventStream backpressure', () => {
  it('stops pulling from an endless source while the client does not read, then disconnects it', async () => {
    let pulled = 0;
    async function* endless(): AsyncGenerator<StreamEvent> {
      for (;;) {
        pulled += 1;
        yield { data: `${pulled} ${kPayload}` };
      }
    }
    const result = deferred<EventStreamResult>();
    const { port } = await plainServer((req, res) => {
      writeEventStream(req, res, endless(), { maxBlockedMs: 300, heartbeatMs: 0 }).then(result.resolve, result.reject);
    });
    const heapBefore = process.memoryUsage().heapUsed;
    const client = await rawConnection(port, 'GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    client.socket.pause(); // a client that never reads
    const { reason, eventsWritten } = await result.promise;
    const heapGrowth = process.memoryUsage().heapUsed - heapBefore;
    expect(reason).toBe('slow-client');
    // Only what fits in the socket buffers (a few MiB on loopback) was ever pulled: at most one
    // event beyond what was written, not an endless pile in the heap.
    expect(pulled).toBeLessThanOrEqual(eventsWritten + 1);
    expect(pulled * kEventBytes).toBeLessThan(64 * 1024 * 1024);
    expect(heapGrowth).toBeLessThan(64 * 1024 * 1024);
    client.socket.resume(); // reads what was buffered, then sees the disconnection
    await client.closed;
  });

  it('a slow client is disconnected while a fast one on the same server gets every event in order', async () => {
    const kEvents = 800; // 12.5 MiB: more than a stalled loopback socket buffers (about 4 MiB here)
    const results: Array<Promise<EventStreamResult>> = [];
    const { port } = await plainServer((req, res) => {
      results.push(
        writeEventStream(
          req,
          res,
          (async function* () {
            for (let i = 0; i < kEvents; i += 1) yield { id: String(i), data: kPayload };
          })(),
          // Long enough for the fast client, which shares this thread with the server (and,
          // in a full test run, the machine's cores with the other test files).
          { maxBlockedMs: 5000, heartbeatMs: 0 },
        ),
      );
    });
    const slow = await rawConnection(port, 'GET /slow HTTP/1.1\r\nHost: x\r\n\r\n');
    slow.socket.pause();
    const fast = await rawConnection(port, 'GET /fast HTTP/1.1\r\nHost: x\r\n\r\n');
    const text = await fast.until((t) => t.endsWith('\r\n0\r\n\r\n'));
    const ids = parseEventStream(splitResponse(text).body).events.map((e) => Number(e.id));
    expect(ids).toEqual(Array.from({ length: kEvents }, (_, i) => i));
    const [slowResult, fastResult] = await Promise.all(results);
    expect(fastResult!.reason).toBe('completed');
    expect(slowResult!.reason).toBe('slow-client');
    expect(slowResult!.eventsWritten).toBeLessThan(kEvents);
  });
});
