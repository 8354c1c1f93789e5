// Type-level assertions, checked by core-types.test.ts with tsc (vitest's expectTypeOf is a no-op at run time).
import { expectTypeOf } from 'vitest';
import {
  AbstractChannel,
  DataProcessingChannel,
  InMemoryMessageQueueFactory,
  Message,
  QueueFullException,
  WorkerListener,
  SSEChannel,
  SSEChannelContainer,
  type MessageContract,
  type Payload,
  type ProcessedEvent,
  type SSEEvent,
} from 'eric-sse';

const channel = new SSEChannel();
const listener = channel.addListener();

expectTypeOf(channel.messageStream(listener)).toExtend<AsyncIterable<SSEEvent>>();
expectTypeOf(channel.watch()).toExtend<AsyncIterable<SSEEvent>>();
for await (const event of channel.messageStream(listener)) {
  expectTypeOf(event).toEqualTypeOf<SSEEvent>();
  expectTypeOf(event.event).toBeString();
  expectTypeOf(event.retry).toBeNumber();
  expectTypeOf(event.id).toEqualTypeOf<string | undefined>();
}
expectTypeOf(channel.adapt(new Message('x'))).toEqualTypeOf<SSEEvent>();
expectTypeOf(new SSEChannelContainer().add()).toEqualTypeOf<SSEChannel>();

/** A subclass chooses what its streams yield. */
class NumberChannel extends AbstractChannel<number> {
  adapt(msg: MessageContract): number {
    return typeof msg.payload === 'number' ? msg.payload : 0;
  }
}
const numbers = new NumberChannel();
for await (const n of numbers.messageStream(numbers.addListener())) expectTypeOf(n).toEqualTypeOf<number>();

// Async methods return promises.
expectTypeOf(channel.dispatch).returns.toEqualTypeOf<Promise<void>>();
expectTypeOf(channel.broadcast).returns.toEqualTypeOf<Promise<void>>();
expectTypeOf(channel.deliverNext).returns.toEqualTypeOf<Promise<MessageContract>>();
expectTypeOf(listener.isRunning).returns.toEqualTypeOf<Promise<boolean>>();
expectTypeOf(channel.payloadAdapter).parameter(0).toEqualTypeOf<Payload>();

// @ts-expect-error payloads are JSON-compatible: a function is not one.
new Message('x', () => 1);
// @ts-expect-error the type is required.
new Message();

// processQueue yields { event, data } whatever the listener.
const processing = new DataProcessingChannel({ maxWorkers: 2 });
const worker = new WorkerListener(new URL('./handler.js', import.meta.url));
expectTypeOf(processing.processQueue(worker)).toExtend<AsyncIterable<ProcessedEvent>>();
expectTypeOf(processing.processQueue(processing.addListener(), { ordered: true, until: 'empty' })).toExtend<
  AsyncIterable<{ event: string; data: unknown }>
>();
for await (const result of processing.processQueue(worker)) {
  expectTypeOf(result.event).toBeString();
  expectTypeOf(result.data).toBeUnknown();
}
expectTypeOf(processing.close).returns.toEqualTypeOf<Promise<void>>();
expectTypeOf(processing.warmUp(worker)).toEqualTypeOf<Promise<void>>();
// @ts-expect-error maxWorkers is required.
new DataProcessingChannel({});
// @ts-expect-error until is 'closed' or 'empty'.
processing.processQueue(worker, { until: 'never' });

// processChunks yields arrays of the same events, with the same options.
expectTypeOf(processing.processChunks(worker, { ordered: true })).toExtend<AsyncIterable<ProcessedEvent[]>>();
for await (const events of processing.processChunks(worker)) {
  expectTypeOf(events).toEqualTypeOf<ProcessedEvent[]>();
}

// Bounded queues: a capacity, what a full queue does, and a signal to end a wait.
new InMemoryMessageQueueFactory({ capacity: 1000, whenFull: 'reject' });
// @ts-expect-error whenFull is 'wait' or 'reject'.
new InMemoryMessageQueueFactory({ whenFull: 'drop' });
expectTypeOf(channel.dispatch(listener.id, new Message('x'), { signal: AbortSignal.timeout(10) })).toEqualTypeOf<Promise<void>>();
expectTypeOf(new QueueFullException('full')).toExtend<Error>();
expectTypeOf(channel.dispatchMany(listener.id, [new Message('a'), new Message('b')])).toEqualTypeOf<Promise<void>>();
