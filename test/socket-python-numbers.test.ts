// Python wire fidelity of numbers: a payload that came in over the socket is streamed back with
// its numbers as Python eric_sse writes them (exact big integers, 1.0, -0.0, 1e+16), while
// in-process consumers of the channel see plain JavaScript numbers. Numbers JavaScript code
// puts in (or a payloadAdapter makes) are written as JSON.stringify writes them, and keys that
// look like integers come first, as in every JavaScript object (README, "Python interop").
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Message, MessageQueueListener, type MessageContract } from 'eric-sse';
import { openStream, rawRequest, startServer, within } from './socket-helpers.js';

const kPayload =
  '{"big": 12345678901234567890, "f": 1.0, "nz": -0.0, "e": 1e16, "small": 1e-05, "int": 3, "neg0": -0, ' +
  '"list": [2.50, 1E2, 0.1, -12345678901234567890123]}';
// What Python's json.dumps writes for the event of that payload (checked with CPython 3).
const kPythonLine =
  '{"event": "n", "retry": 5, "data": {"big": 12345678901234567890, "f": 1.0, "nz": -0.0, "e": 1e+16, "small": 1e-05, ' +
  '"int": 3, "neg0": 0, "list": [2.5, 100.0, 0.1, -12345678901234567890123]}}';

async function firstLine(socketPath: string, channelId: string, listenerId: string): Promise<string | undefined> {
  const { socket, lines } = await openStream(socketPath, { v: 'l', c: channelId, r: listenerId });
  try {
    return await within(lines.next(), 5000, 'the stream delivers');
  } finally {
    socket.destroy();
  }
}

describe('socket Python numbers', () => {
  it('streams a dispatched payload with its numbers as Python writes them', async () => {
    const server = await startServer();
    const channel = server.cc.add();
    const listener = channel.addListener();
    const request = `{"v": "d", "c": "${channel.id}", "r": "${listener.id}", "t": "n", "p": ${kPayload}}`;
    expect(await rawRequest(server.socketPath, request)).toBe('ack');
    expect(await firstLine(server.socketPath, channel.id, listener.id)).toBe(kPythonLine);
  });

  it('writes floats as Python repr() does, across notations and precisions', async () => {
    const server = await startServer();
    const channel = server.cc.add();
    const listener = channel.addListener();
    const literals =
      '0, -0, 0.0, -0.0, 1.0, 1E5, 1e15, 1e16, 1.5e300, 5e-324, 0.0001, 0.00001, 123.456, 1e-7, 100.0, 1.10, ' +
      '9007199254740993, 9007199254740993.0, 2.5e-5, 1e22, 1e21, 123456789012345678901234567890.5, 0.1, ' +
      '-0.30000000000000004, 1.7976931348623157e308, 2e-323, 1234567890123456.7, 12345678901234567.8, 0.000123456789';
    // json.dumps(json.loads(f"[{literals}]")) in CPython 3:
    const python =
      '[0, 0, 0.0, -0.0, 1.0, 100000.0, 1000000000000000.0, 1e+16, 1.5e+300, 5e-324, 0.0001, 1e-05, 123.456, 1e-07, ' +
      '100.0, 1.1, 9007199254740993, 9007199254740992.0, 2.5e-05, 1e+22, 1e+21, 1.2345678901234568e+29, 0.1, ' +
      '-0.30000000000000004, 1.7976931348623157e+308, 2e-323, 1234567890123456.8, 1.2345678901234568e+16, 0.000123456789]';
    expect(await rawRequest(server.socketPath, `{"v": "b", "c": "${channel.id}", "t": "f", "p": [${literals}]}`)).toBe('ack');
    expect(await firstLine(server.socketPath, channel.id, listener.id)).toBe(`{"event": "f", "retry": 5, "data": ${python}}`);
  });

  it('keeps a top-level float and a too-large float (as written: Python would write Infinity, not JSON)', async () => {
    const server = await startServer();
    const channel = server.cc.add();
    const listener = channel.addListener();
    for (const p of ['1.0', '1e400', '-0.0']) {
      expect(await rawRequest(server.socketPath, `{"v": "b", "c": "${channel.id}", "t": "x", "p": ${p}}`)).toBe('ack');
    }
    const { socket, lines } = await openStream(server.socketPath, { v: 'l', c: channel.id, r: listener.id });
    expect(await within(lines.next(), 5000, 'event 1')).toBe('{"event": "x", "retry": 5, "data": 1.0}');
    expect(await within(lines.next(), 5000, 'event 2')).toBe('{"event": "x", "retry": 5, "data": 1e400}');
    expect(await within(lines.next(), 5000, 'event 3')).toBe('{"event": "x", "retry": 5, "data": -0.0}');
    socket.destroy();
  });

  it('in-process consumers of the same broadcast see plain JavaScript numbers', async () => {
    const server = await startServer();
    const channel = server.cc.add();
    const seen: MessageContract[] = [];
    const local = new (class extends MessageQueueListener {
      override onMessage(msg: MessageContract): void {
        seen.push(msg);
      }
    })();
    channel.registerListener(local);
    local.startSync();
    const viaSocket = channel.addListener();
    expect(await rawRequest(server.socketPath, `{"v": "b", "c": "${channel.id}", "t": "n", "p": ${kPayload}}`)).toBe('ack');
    await channel.deliverNext(local.id);
    expect(seen[0]!.payload).toEqual({
      big: 12345678901234567000,
      f: 1,
      nz: -0,
      e: 1e16,
      small: 0.00001,
      int: 3,
      neg0: -0,
      list: [2.5, 100, 0.1, -1.2345678901234568e22],
    });
    expect(await firstLine(server.socketPath, channel.id, viaSocket.id)).toBe(kPythonLine);
  });

  it('writes numbers put in by JavaScript code or made by a payloadAdapter as JSON.stringify does', async () => {
    const server = await startServer();
    const channel = server.cc.add();
    const listener = channel.addListener();
    await channel.dispatch(listener.id, new Message('js', { f: 1.0, big: 12345678901234567890, nz: -0 }));
    expect(await firstLine(server.socketPath, channel.id, listener.id)).toBe(
      '{"event": "js", "retry": 5, "data": {"f": 1, "big": 12345678901234567000, "nz": 0}}',
    );

    channel.payloadAdapter = (payload) => ({ wrapped: payload });
    expect(await rawRequest(server.socketPath, `{"v": "b", "c": "${channel.id}", "t": "a", "p": {"f": 1.0}}`)).toBe('ack');
    expect(await firstLine(server.socketPath, channel.id, listener.id)).toBe(
      '{"event": "a", "retry": 5, "data": {"wrapped": {"f": 1}}}',
    );
  });

  it('accepts a key given twice (the last value wins, as in Python) and writes its numbers as JavaScript does', async () => {
    const server = await startServer();
    const channel = server.cc.add();
    const listener = channel.addListener();
    const request = `{"v": "b", "c": "${channel.id}", "t": "dup", "p": {"a": 1, "a": 2.0, "f": 1.0}}`;
    expect(await rawRequest(server.socketPath, request)).toBe('ack');
    expect(await firstLine(server.socketPath, channel.id, listener.id)).toBe('{"event": "dup", "retry": 5, "data": {"a": 2, "f": 1}}');
  });

  it('never changes a value: whatever numbers a client sends, the streamed line reads back as what it sent', async () => {
    const server = await startServer();
    const channel = server.cc.add();
    const listener = channel.addListener();
    const { socket, lines } = await openStream(server.socketPath, { v: 'l', c: channel.id, r: listener.id });
    const literal = fc.oneof(
      fc.double({ noNaN: true, noDefaultInfinity: true }).chain((x) =>
        fc.constantFrom(String(x), x.toExponential(), x.toPrecision(17), x.toExponential().toUpperCase(), Object.is(x, -0) ? '-0.0' : `${String(x)}`),
      ),
      fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }).map(String),
      fc.constantFrom('-0', '-0.0', '1e400', '-1e400', '1.0', '100.0'),
    );
    await fc.assert(
      fc.asyncProperty(fc.array(literal, { maxLength: 20 }), async (literals) => {
        const sent = `[${literals.join(', ')}]`;
        const request = `{"v": "d", "c": "${channel.id}", "r": "${listener.id}", "t": "n", "p": {"list": ${sent}}}`;
        expect(await rawRequest(server.socketPath, request)).toBe('ack');
        const line = await within(lines.next(), 5000, 'the event');
        const received = (JSON.parse(line!) as { data: { list: number[] } }).data.list;
        const expected = JSON.parse(sent) as number[];
        expect(received.length).toBe(expected.length);
        received.forEach((value, i) => expect(Object.is(value, expected[i]) || value === expected[i]).toBe(true));
      }),
      { numRuns: 150 },
    );
    socket.destroy();
  });

  it('puts keys that look like integers first (Python keeps the order they came in)', async () => {
    const server = await startServer();
    const channel = server.cc.add();
    const listener = channel.addListener();
    expect(await rawRequest(server.socketPath, `{"v": "b", "c": "${channel.id}", "t": "k", "p": {"b": 1, "1": 2}}`)).toBe('ack');
    expect(await firstLine(server.socketPath, channel.id, listener.id)).toBe('{"event": "k", "retry": 5, "data": {"1": 2, "b": 1}}');
  });
});
