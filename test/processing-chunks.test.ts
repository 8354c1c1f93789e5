import { describe, expect, it } from 'vitest';
import {
  DataProcessingChannel,
  InMemoryQueue,
  Message,
  MessageQueueListener,
  MESSAGE_TYPE_INTERNAL_ERROR,
  type MessageContract,
  WorkerListener,
  type ProcessedEvent,
} from 'eric-sse';
import { closedAfterTest, dispatchAll, fixture, workerSetup } from './processing-helpers.js';

async function collectChunks(chunks: AsyncIterable<ProcessedEvent[]>): Promise<ProcessedEvent[][]> {
  const out: ProcessedEvent[][] = [];
  for await (const chunk of chunks) out.push(chunk);
  return out;
}

describe('processChunks: processQueue yielding arrays of results', () => {
  it('yields every result once, in arrays of at least one, flattening to what processQueue yields', async () => {
    const { channel, listener } = workerSetup('square-handler.js');
    await dispatchAll(channel, listener.id, Array.from({ length: 3000 }, (_, i) => ['n', i] as const));
    await channel.notifyEnd();
    const chunks = await collectChunks(channel.processChunks(listener, { ordered: true }));
    for (const chunk of chunks) expect(chunk.length).toBeGreaterThan(0);
    expect(chunks.length).toBeLessThan(3000); // batches arrive together
    expect(chunks.flat()).toEqual(Array.from({ length: 3000 }, (_, i) => ({ event: 'n', data: i * i })));
  });

  it('completion order: every result, once', async () => {
    const { channel, listener } = workerSetup('square-handler.js', { maxWorkers: 2, maxBatchSize: 16 });
    await dispatchAll(channel, listener.id, Array.from({ length: 500 }, (_, i) => ['n', i] as const));
    const chunks = await collectChunks(channel.processChunks(listener, { until: 'empty' }));
    expect(chunks.flat().map((e) => e.data as number).sort((a, b) => a - b)).toEqual(Array.from({ length: 500 }, (_, i) => i * i));
  });

  it('a failing message is an error event inside its chunk; the others go on', async () => {
    const { channel, listener } = workerSetup('throwing-handler.js');
    await dispatchAll(channel, listener.id, [['ok', 1], ['bad', 2], ['ok', 3]]);
    await channel.notifyEnd();
    const events = (await collectChunks(channel.processChunks(listener, { ordered: true }))).flat();
    expect(events.map((e) => e.event)).toEqual(['ok', MESSAGE_TYPE_INTERNAL_ERROR, 'ok']);
    expect(events[1]!.data).toMatchObject({ name: 'BadInputError', type: 'bad', payload: 2 });
  });

  it('break hands back every message popped and not yielded: a later run gets them all', async () => {
    const { channel, listener } = workerSetup('square-handler.js');
    await dispatchAll(channel, listener.id, Array.from({ length: 2000 }, (_, i) => ['n', i] as const));
    await channel.notifyEnd();
    const first: number[] = [];
    for await (const chunk of channel.processChunks(listener, { ordered: true })) {
      first.push(...chunk.map((e) => e.data as number));
      break;
    }
    const rest = (await collectChunks(channel.processChunks(listener, { ordered: true }))).flat().map((e) => e.data as number);
    expect([...first, ...rest]).toEqual(Array.from({ length: 2000 }, (_, i) => i * i));
  });

  it('main-thread listeners too: the messages themselves, adapted', async () => {
    const seen: string[] = [];
    class Recorder extends MessageQueueListener {
      override onMessage(msg: MessageContract): void {
        seen.push(msg.type);
      }
    }
    const channel = closedAfterTest(new DataProcessingChannel({ maxWorkers: 3 }));
    const listener = new Recorder();
    channel.registerListener(listener);
    for (let i = 0; i < 50; i += 1) await channel.dispatch(listener.id, new Message(`m${i}`, i));
    await channel.notifyEnd();
    const events = (await collectChunks(channel.processChunks(listener, { ordered: true }))).flat();
    expect(events).toEqual(Array.from({ length: 50 }, (_, i) => ({ event: `m${i}`, data: i })));
    expect(seen).toHaveLength(50);
  });

  it('acknowledges what each chunk yields, in yield order, in fewer calls than messages', async () => {
    const acked: MessageContract[][] = [];
    class AckingQueue extends InMemoryQueue {
      async ack(messages: MessageContract[]): Promise<void> {
        acked.push(messages);
      }
    }
    const channel = closedAfterTest(
      new DataProcessingChannel({ maxWorkers: 2, queuesFactory: { create: () => new AckingQueue() } }),
    );
    const listener = new WorkerListener(fixture('square-handler.js'));
    channel.registerListener(listener);
    await dispatchAll(channel, listener.id, Array.from({ length: 600 }, (_, i) => ['n', i] as const));
    await channel.notifyEnd();
    const events = (await collectChunks(channel.processChunks(listener, { ordered: true }))).flat();
    expect(events).toHaveLength(600);
    const ackedTypes = acked.flat();
    // Every yielded message, then the closed message that ended the run.
    expect(ackedTypes.slice(0, 600).map((m) => m.payload)).toEqual(Array.from({ length: 600 }, (_, i) => i));
    expect(ackedTypes[600]!.type).toBe('_eric_channel_closed');
    expect(acked.length).toBeLessThan(601);
  });

  it('checks its options, naming the method', () => {
    const { channel, listener } = workerSetup('square-handler.js');
    expect(() => channel.processChunks(listener, { until: 'never' as never })).toThrow(
      /processChunks option "until" must be 'closed' or 'empty', got "never" \(string\)/,
    );
    expect(() => channel.processChunks({} as never)).toThrow(/processChunks expects a MessageQueueListener/);
  });
});
