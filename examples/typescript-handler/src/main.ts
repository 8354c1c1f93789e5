// Runs the TypeScript handler on worker threads from a TypeScript program.
//   npx tsc -p examples/typescript-handler && node examples/typescript-handler/dist/main.js
import { DataProcessingChannel, isInternalErrorEvent, Message, WorkerListener } from 'eric-sse';
import type { Order, PricedOrder } from './order.js';

if (process.argv.length > 2) {
  const usage = 'Usage: node examples/typescript-handler/dist/main.js (no options)';
  const [arg] = process.argv.slice(2);
  if (arg === '--help' || arg === '-h') console.log(usage);
  else console.error(`Unknown argument ${JSON.stringify(arg)}\n\n${usage}`);
  process.exit(arg === '--help' || arg === '-h' ? 0 : 2);
}

const orders: Order[] = [
  { id: 1, item: 'tea', quantity: 3, unitPrice: 2.5 },
  { id: 2, item: 'cake', quantity: 0, unitPrice: 4 },
  { id: 3, item: 'jam', quantity: 2, unitPrice: 3.2 },
];

const channel = new DataProcessingChannel({ maxWorkers: 2 });
// The compiled handler, next to this compiled file: new URL(..., import.meta.url) finds it
// wherever the program is started from. <PricedOrder>: the handler's result type, which
// processQueue yields as `data`.
const listener = new WorkerListener<PricedOrder>(new URL('./transform.js', import.meta.url));
channel.registerListener(listener);
// An interface-typed payload: a Message<Order>.
for (const order of orders) await channel.dispatch(listener.id, new Message('order', order));
await channel.notifyEnd();

for await (const event of channel.processQueue(listener, { ordered: true })) {
  if (isInternalErrorEvent(event)) console.log('failed:', event.data.message.split(' (')[0]);
  else console.log('priced:', event.data); // a PricedOrder
}
await channel.close();
