// channelEvents: a channel's events in wire form, serialised once per message and shared by
// every listener's stream, except where a listener's event is its own (a handler failure, an
// adapter's output).
import { describe, expect, it } from 'vitest';
import {
  channelEvents,
  EventHistory,
  Message,
  MESSAGE_TYPE_INTERNAL_ERROR,
  MessageQueueListener,
  SSEChannel,
  type StreamEvent,
} from 'eric-sse';

async function nextEvent(events: AsyncIterator<StreamEvent>): Promise<StreamEvent> {
  const result = await events.next();
  if (result.done) throw new Error('the stream ended');
  return result.value;
}

function startedListener(channel: SSEChannel, listener = new MessageQueueListener()): MessageQueueListener {
  channel.registerListener(listener);
  listener.startSync();
  return listener;
}

describe('channelEvents', () => {
  it('gives every listener of a broadcast the same frozen wire event, and each message its own', async () => {
    const channel = new SSEChannel();
    const streams = [0, 1, 2].map(() => channelEvents(channel, startedListener(channel)));
    const payload = { text: 'hi', n: [1, 2] };
    await channel.broadcast(new Message('news', payload));
    await channel.broadcast(new Message('other', payload));
    const first = await Promise.all(streams.map(nextEvent));
    expect(first[0]).toEqual({ event: 'news', data: '{"text":"hi","n":[1,2]}' });
    expect(first[1]).toBe(first[0]);
    expect(first[2]).toBe(first[0]);
    expect(Object.isFrozen(first[0])).toBe(true);
    const second = await Promise.all(streams.map(nextEvent));
    expect(second[0]).toEqual({ event: 'other', data: '{"text":"hi","n":[1,2]}' });
    expect(second[1]).toBe(second[0]);
    await Promise.all(streams.map((stream) => stream.return?.()));
  });

  it("reports one listener's handler failure to that listener only; the others get the message", async () => {
    class Failing extends MessageQueueListener {
      override onMessage(): void {
        throw new Error('boom');
      }
    }
    const channel = new SSEChannel();
    const healthy = channelEvents(channel, startedListener(channel));
    const failing = channelEvents(channel, startedListener(channel, new Failing()));
    const healthyToo = channelEvents(channel, startedListener(channel));
    await channel.broadcast(new Message('job', { id: 7 }));
    const failed = await nextEvent(failing);
    expect(failed.event).toBe(MESSAGE_TYPE_INTERNAL_ERROR);
    expect(JSON.parse(failed.data!)).toMatchObject({ name: 'Error', message: 'boom', type: 'job', payload: { id: 7 } });
    const [a, b] = await Promise.all([nextEvent(healthy), nextEvent(healthyToo)]);
    expect(a).toEqual({ event: 'job', data: '{"id":7}' });
    expect(b).toBe(a);
    await Promise.all([healthy, failing, healthyToo].map((stream) => stream.return?.()));
  });

  it("serialises a payloadAdapter's output for each stream", async () => {
    const channel = new SSEChannel();
    let calls = 0;
    channel.payloadAdapter = (payload) => ({ wrapped: payload, call: ++calls });
    const streams = [0, 1].map(() => channelEvents(channel, startedListener(channel)));
    await channel.broadcast(new Message('news', 'x'));
    const events = await Promise.all(streams.map(nextEvent));
    expect(events.map((event) => JSON.parse(event.data!))).toEqual([
      { wrapped: 'x', call: 1 },
      { wrapped: 'x', call: 2 },
    ]);
    await Promise.all(streams.map((stream) => stream.return?.()));
  });

  it('histories of shared events give each stream its own ids and replay them in order', async () => {
    const channel = new SSEChannel();
    const histories = [new EventHistory({ epoch: 'e1' }), new EventHistory({ epoch: 'e1' })];
    const streams = [0, 1].map(() => channelEvents(channel, startedListener(channel)));
    histories[1]!.record({ event: 'earlier' });
    for (let i = 0; i < 3; i += 1) await channel.broadcast(new Message('tick', i));
    for (let i = 0; i < 3; i += 1) {
      const events = await Promise.all(streams.map(nextEvent));
      const recorded = events.map((event, k) => histories[k]!.record(event));
      expect(recorded[0]).toEqual({ event: 'tick', data: String(i), id: `e1-${i + 1}` });
      expect(recorded[1]).toEqual({ event: 'tick', data: String(i), id: `e1-${i + 2}` });
    }
    expect(histories[0]!.since('e1-1').events).toEqual([
      { event: 'tick', data: '1', id: 'e1-2' },
      { event: 'tick', data: '2', id: 'e1-3' },
    ]);
    expect(histories[1]!.since('e1-1').events.map((event) => event.id)).toEqual(['e1-2', 'e1-3', 'e1-4']);
    await Promise.all(streams.map((stream) => stream.return?.()));
  });
});
