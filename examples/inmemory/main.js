// The in-memory channel in one page: dispatch to one listener, broadcast to all, stream.
//
//   npm run build && node examples/inmemory/main.js
import { Message, MESSAGE_TYPE_CLOSED, MessageQueueListener, SSEChannel, UniqueMessage } from 'eric-sse';

// This example takes no options: anything else on the command line is a mistake (exit 2).
if (process.argv.length > 2) {
  const [arg] = process.argv.slice(2);
  const usage = 'Usage: node examples/inmemory/main.js (no options)';
  if (arg === '--help' || arg === '-h') console.log(usage);
  else console.error(`Unknown argument ${JSON.stringify(arg)}\n\n${usage}`);
  process.exit(arg === '--help' || arg === '-h' ? 0 : 2);
}

const channel = new SSEChannel({ retryTimeoutMilliseconds: 3000 });

// A listener that acts at delivery time; onMessage may be async and is awaited.
class Logger extends MessageQueueListener {
  async onMessage(msg) {
    if (msg.type === 'order') console.log(`  (logger saw order ${JSON.stringify(msg.payload)})`);
  }
}
const logger = new Logger({ id: 'logger' });
channel.registerListener(logger);
const plain = channel.addListener(); // a default listener, not running yet

// Dispatch goes to one listener's queue, broadcast to every queue.
await channel.dispatch(logger.id, new Message('order', { id: 1, item: 'tea' }));
await channel.dispatch(logger.id, new UniqueMessage('evt-2', new Message('order', { id: 2, item: 'cake' })));
await channel.broadcast(new Message('announcement', 'closing in 10 minutes'));

// Pull one message by hand: deliverNext runs onMessage and returns the message.
await plain.start();
console.log('deliverNext for plain:', await channel.deliverNext(plain.id));

// Stream: yields SSE events ({ event, retry, data, id? }) until the closed message.
await logger.start();
await channel.notifyEnd();
console.log('stream of logger:');
for await (const event of channel.messageStream(logger)) console.log(' ', JSON.stringify(event));

// A stream also waits for messages dispatched later, without polling; watch() adds a listener for it.
channel.payloadAdapter = JSON.stringify; // e.g. when the receiver parses the data itself
const watcher = channel.watch();
setTimeout(() => channel.broadcast(new Message('late', { at: 'later' })), 10);
for await (const event of watcher) {
  console.log('watch got:', JSON.stringify(event));
  break; // leaving the loop unregisters the watch listener
}

// The closed message is still queued for plain, which was not streamed.
console.log('plain still has:', (await channel.deliverNext(plain.id)).type === MESSAGE_TYPE_CLOSED ? 'the closed message' : '?');
console.log('listeners on the channel:', channel.getListenerIds());
