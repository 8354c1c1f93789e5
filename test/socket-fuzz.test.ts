// Fuzz: thousands of random and malformed requests — random fields and types, bad JSON,
// binary garbage, huge strings, half-closed, abandoned and abruptly closed connections. The
// server answers (one well-formed line) or drops each, never fails unexpectedly, leaks no
// connection or running listener, and a valid client still works afterwards.
//
// Unix domain sockets have no TCP RST (`resetAndDestroy()` is TCP-only), so an abrupt reset
// is a `destroy()` at an arbitrary point of the exchange.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SocketClient, type SocketServer } from 'eric-sse';
import { connect, readAll, startServer } from './socket-helpers.js';

/** How a fuzz client delivers its request. */
type Delivery = 'half-close' | 'destroy-after-write' | 'partial-then-destroy' | 'connect-then-destroy' | 'half-close-then-destroy';

interface FuzzCase {
  request: Uint8Array;
  delivery: Delivery;
}

const VERBS = ['d', 'b', 'c', 'r', 'l', 'w', 'rl', 'rc'];
const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}';
/** Every acceptable complete answer to a request that opens no stream. */
const WELL_FORMED_ANSWER = new RegExp(
  `^(ack|${UUID}|(InvalidChannelException|InvalidListenerException|InvalidMessageFormat): [^\\n]*)$`,
);

const counts = {
  requests: 0,
  answered: 0,
  droppedByClient: 0,
  errorAnswers: {} as Record<string, number>,
  otherAnswers: 0,
};

const encoder = new TextEncoder();

/** Sends one case and checks the answer when the client waits for one. */
async function send(socketPath: string, { request, delivery }: FuzzCase): Promise<void> {
  counts.requests += 1;
  const socket = await connect(socketPath);
  socket.on('error', () => undefined); // a server that hangs up first is fine
  switch (delivery) {
    case 'half-close': {
      const answer = readAll(socket);
      socket.end(request);
      const text = await answer;
      socket.destroy();
      counts.answered += 1;
      expect(text, `answer to ${Buffer.from(request).toString('utf8').slice(0, 200)}`).toMatch(WELL_FORMED_ANSWER);
      const errorClass = /^(\w+): /.exec(text)?.[1];
      if (errorClass) counts.errorAnswers[errorClass] = (counts.errorAnswers[errorClass] ?? 0) + 1;
      else counts.otherAnswers += 1;
      return;
    }
    case 'destroy-after-write':
      socket.write(request);
      break;
    case 'partial-then-destroy':
      socket.write(request.subarray(0, Math.floor(request.length / 2)));
      break;
    case 'half-close-then-destroy':
      socket.end(request);
      break;
    case 'connect-then-destroy':
      break;
  }
  counts.droppedByClient += 1;
  socket.destroy();
}

describe('socket server fuzz', () => {
  it('answers or drops thousands of random and malformed requests and keeps serving', { timeout: 120_000 }, async () => {
    const unexpected: Error[] = [];
    const server: SocketServer = await startServer({
      maxRequestBytes: 256 * 1024,
      idleTimeoutMs: 200,
      onError: (error) => unexpected.push(error),
    });
    const path = server.socketPath;
    const channel = server.cc.add();
    const listener = channel.addListener();
    const someId = fc.constantFrom(channel.id, listener.id, '2', '', 'None');
    const anyValue = fc.oneof(someId, fc.string(), fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.jsonValue());

    // Requests shaped like the protocol, with random or wrong values in every field.
    const commandText = fc
      .record(
        {
          v: fc.oneof(fc.constantFrom(...VERBS), anyValue),
          c: fc.oneof(someId, anyValue),
          r: fc.oneof(someId, anyValue),
          t: fc.oneof(fc.string(), anyValue),
          p: fc.jsonValue(),
        },
        { requiredKeys: [] },
      )
      .map((fields) => JSON.stringify(fields));
    // A stream (l or w) on a live channel never ends by itself: those clients hang up instead.
    const opensStream = (text: string): boolean => /"v":"[lw]"/.test(text);
    const commandCase = commandText.map<FuzzCase>((text) => ({
      request: encoder.encode(text),
      delivery: opensStream(text) ? 'half-close-then-destroy' : 'half-close',
    }));
    const malformedText = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 300 }),
      fc.jsonValue().map((value) => JSON.stringify(value) ?? 'null'), // valid JSON, rarely an object with a verb
      fc.tuple(commandText, fc.nat()).map(([text, cut]) => text.slice(0, cut % Math.max(text.length, 1))), // truncated
      fc.string().map((text) => `{"v": "b", "c": "x", "t": ${text}}`),
    );
    const malformedCase = malformedText
      .filter((text) => !opensStream(text))
      .map<FuzzCase>((text) => ({ request: encoder.encode(text), delivery: 'half-close' }));
    const garbageCase = fc
      .uint8Array({ minLength: 0, maxLength: 4096 })
      .map<FuzzCase>((request) => ({ request, delivery: 'half-close' }));
    const anyCase = fc.tuple(
      fc.oneof(commandCase.map((c) => c.request), malformedCase.map((c) => c.request), garbageCase.map((c) => c.request)),
      fc.constantFrom<Delivery>('destroy-after-write', 'partial-then-destroy', 'connect-then-destroy', 'half-close-then-destroy'),
    );

    await fc.assert(fc.asyncProperty(commandCase, (c) => send(path, c)), { numRuns: 4000 });
    await fc.assert(fc.asyncProperty(malformedCase, (c) => send(path, c)), { numRuns: 2000 });
    await fc.assert(fc.asyncProperty(garbageCase, (c) => send(path, c)), { numRuns: 2000 });
    // Abandoned and abruptly closed connections, many at once, next to answered requests.
    await fc.assert(
      fc.asyncProperty(
        fc.array(anyCase, { minLength: 1, maxLength: 16 }),
        fc.array(commandCase, { maxLength: 4 }),
        async (abrupt, answered) => {
          await Promise.all([
            ...abrupt.map(([request, delivery]) => send(path, { request, delivery })),
            ...answered.map((c) => send(path, c)),
          ]);
        },
      ),
      { numRuns: 300 },
    );
    // Huge strings around and far over the size limit.
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 200 * 1024, max: 2 * 1024 * 1024 }), fc.boolean(), async (size, abrupt) => {
        const request = encoder.encode(`{"v": "b", "c": "${channel.id}", "t": "big", "p": "${'é'.repeat(size / 2)}"}`);
        await send(path, { request, delivery: abrupt ? 'partial-then-destroy' : 'half-close' });
      }),
      { numRuns: 30 },
    );

    // Nothing is left behind: every connection closes, no stream's listener still runs.
    await expect.poll(() => server.connections, { timeout: 10_000 }).toBe(0);
    for (const channelId of server.cc.getAllIds()) {
      const fuzzed = server.cc.get(channelId);
      for (const id of fuzzed.getListenerIds()) expect(fuzzed.getListener(id).isRunningSync()).toBe(false);
    }
    expect(unexpected).toEqual([]);

    // A valid client still works.
    const client = new SocketClient(path);
    const channelId = await client.createChannel();
    const listenerId = await client.register(channelId);
    await client.broadcastMessage(channelId, 'after', 'fuzz');
    for await (const line of client.stream(channelId, listenerId)) {
      expect(JSON.parse(line)).toEqual({ event: 'after', retry: 5, data: 'fuzz' });
      break;
    }

    console.log(`socket fuzz counts: ${JSON.stringify(counts)}`);
    expect(counts.requests).toBeGreaterThan(10_000);
    expect(counts.answered + counts.droppedByClient).toBe(counts.requests);
  });
});
