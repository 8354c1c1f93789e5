// A handler written in TypeScript. Worker threads load JavaScript, so this file is compiled
// (tsc) to dist/transform.js, and that is what WorkerListener and `eric-sse run` are given.
import type { MessageHandler } from 'eric-sse';
import type { Order, PricedOrder } from './order.js';

/** Prices one order line; a non-positive quantity fails that row (and only that row). */
const price: MessageHandler<Order, PricedOrder> = (msg, ctx) => {
  const { id, item, quantity, unitPrice } = msg.payload;
  if (quantity <= 0) throw new RangeError(`order ${id}: quantity must be positive, got ${quantity} (listener ${ctx.listenerId})`);
  return { id, item, total: Math.round(quantity * unitPrice * 100) / 100 };
};
export default price;
