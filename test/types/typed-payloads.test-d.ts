// Type-level assertions for typed payloads and results, checked with tsc by
// core-typed-payloads.test.ts (vitest's expectTypeOf is a no-op at run time).
import { expectTypeOf } from 'vitest';
import {
  DataProcessingChannel,
  isInternalErrorEvent,
  Message,
  MESSAGE_TYPE_INTERNAL_ERROR,
  SignedMessage,
  SimpleDistributedApplicationListener,
  SSEChannel,
  UniqueMessage,
  WorkerListener,
  type InternalErrorData,
  type MessageContract,
  type MessageHandler,
  type Payload,
  type ProcessedEvent,
} from 'eric-sse';

/** A row declared by an interface: no index signature. */
interface Order {
  id: number;
  item: string;
  tags: string[];
  shipping?: { country: string; express: boolean } | null;
}
interface PricedOrder {
  id: number;
  total: number;
}
/** A class instance: its methods are not payload, its fields are. */
class Point {
  constructor(
    readonly x: number,
    readonly y: number,
  ) {}
  norm(): number {
    return Math.hypot(this.x, this.y);
  }
}

const order: Order = { id: 1, item: 'tea', tags: [] };

// Interface- and class-typed payloads type-check, and keep their type.
expectTypeOf(new Message('order', order)).toEqualTypeOf<Message<Order>>();
expectTypeOf(new Message('order', order).payload).toEqualTypeOf<Order>();
expectTypeOf(new Message('point', new Point(1, 2)).payload).toEqualTypeOf<Point>();
expectTypeOf(new SignedMessage('sender', 'order', order).payload).toEqualTypeOf<Order>();
expectTypeOf(new UniqueMessage('1', new Message('order', order)).payload).toEqualTypeOf<Order>();
const orders: Order[] = [order, order];
expectTypeOf(new Message('orders', orders).payload).toEqualTypeOf<Order[]>();
// Without a payload, or with a plain JSON value, as before.
expectTypeOf(new Message('ping').payload).toEqualTypeOf<Payload>();
expectTypeOf(new Message('n', 5).payload).toExtend<number>();
expectTypeOf(new Message('n', 5)).toExtend<MessageContract>();
expectTypeOf(new Message('order', order)).toExtend<MessageContract<Order>>();

// Channels take them.
const channel = new SSEChannel();
const listener = channel.addListener();
await channel.dispatch(listener.id, new Message('order', order));
await channel.broadcast(new Message('order', order));
await channel.broadcast(new UniqueMessage('7', new Message('point', new Point(3, 4))));

// What cannot travel as data does not type-check, however deep.
// @ts-expect-error a function is not a payload.
new Message('x', () => 1);
// @ts-expect-error nor a symbol.
new Message('x', Symbol('s'));
// @ts-expect-error a bigint is not JSON.
new Message('x', { n: 1n });
// @ts-expect-error nor, deep down, a symbol.
new Message('x', { tags: [Symbol('s')] });
// @ts-expect-error a channel refuses a hand-made message carrying a bigint.
await channel.dispatch(listener.id, { type: 'x', payload: { n: 1n } });

// Handlers: typed input and output.
const price: MessageHandler<Order, PricedOrder> = (msg) => ({ id: msg.payload.id, total: msg.payload.tags.length });
expectTypeOf(price).parameter(0).toEqualTypeOf<{ type: string; payload: Order }>();
expectTypeOf(price).returns.toEqualTypeOf<PricedOrder | Promise<PricedOrder>>();
const asyncPrice: MessageHandler<Order, PricedOrder> = async (msg) => ({ id: msg.payload.id, total: 0 });
void asyncPrice;
// @ts-expect-error the handler must return the declared output.
const wrong: MessageHandler<Order, PricedOrder> = (msg) => ({ id: msg.payload.item });
void wrong;

// processQueue yields the WorkerListener's result type; failures are told apart by their event.
const processing = new DataProcessingChannel({ maxWorkers: 2 });
const typed = new WorkerListener<PricedOrder>(new URL('./price.js', import.meta.url));
expectTypeOf(processing.processQueue(typed)).toExtend<AsyncIterable<ProcessedEvent<PricedOrder>>>();
for await (const event of processing.processQueue(typed, { ordered: true })) {
  if (isInternalErrorEvent(event)) {
    expectTypeOf(event.data).toEqualTypeOf<InternalErrorData>();
    expectTypeOf(event.data.message).toBeString();
  } else {
    expectTypeOf(event.data).toEqualTypeOf<PricedOrder>();
    expectTypeOf(event.data.total).toBeNumber();
  }
  expectTypeOf(event.id).toEqualTypeOf<string | undefined>();
  // Compared by hand, an event type equal to the reserved one could still be a result's.
  if (event.event === MESSAGE_TYPE_INTERNAL_ERROR) expectTypeOf(event.data).toEqualTypeOf<PricedOrder | InternalErrorData>();
}
// Untyped listeners yield unknown data, as before.
for await (const event of processing.processQueue(new WorkerListener('./h.js'))) expectTypeOf(event.data).toBeUnknown();
for await (const event of processing.processQueue(processing.addListener())) expectTypeOf(event.data).toBeUnknown();
await new SimpleDistributedApplicationListener(channel).dispatchTo('x', new Message('order', order));
