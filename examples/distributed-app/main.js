// Two SimpleDistributedApplicationListeners, alice and bob, say hello to each other on one
// SSEChannel and ack each other's hellos: the seed's distributed_app example, with scripted
// lines instead of input() so that it runs to the end by itself.
//
//   npm run build && node examples/distributed-app/main.js
import { Message, SimpleDistributedApplicationListener, SSEChannel } from 'eric-sse';

// This example takes no options: anything else on the command line is a mistake (exit 2).
if (process.argv.length > 2) {
  const [arg] = process.argv.slice(2);
  const usage = 'Usage: node examples/distributed-app/main.js (no options)';
  if (arg === '--help' || arg === '-h') console.log(usage);
  else console.error(`Unknown argument ${JSON.stringify(arg)}\n\n${usage}`);
  process.exit(arg === '--help' || arg === '-h' ? 0 : 2);
}

const channel = new SSEChannel();
const lines = {
  alice: ['Hi Bob', 'How is the queue today?'],
  bob: ['Hi Alice', 'Empty, and not spinning'],
};
let finished = 0;
let allFinished;
const conversationOver = new Promise((resolve) => (allFinished = resolve));

/** A listener that answers each hello with an ack, and each ack with its next line. */
function createListener(name) {
  const listener = new SimpleDistributedApplicationListener(channel);
  const script = [...lines[name]];
  listener.setAction('hello', (msg) => [new Message('hello_ack', `${msg.payload}!`)]);
  listener.setAction('hello_ack', () => {
    const next = script.shift();
    if (next !== undefined) return [new Message('hello', next)];
    finished += 1;
    if (finished === 2) allFinished();
    return [];
  });
  listener.startSync();
  return { name, listener, script };
}

/** Prints what a listener receives, until its stream ends. */
async function listen({ name, listener }) {
  for await (const event of channel.messageStream(listener)) {
    if (event.event === '_eric_channel_closed') console.log(`${name.padEnd(5)} <- (channel closed)`);
    else console.log(`${name.padEnd(5)} <- ${event.event.padEnd(9)} ${JSON.stringify(event.data)}`);
  }
}

const alice = createListener('alice');
const bob = createListener('bob');
const streams = Promise.all([listen(alice), listen(bob)]);

// Each opens with its first line; the actions carry the conversation on from there.
await alice.listener.dispatchTo(bob.listener, new Message('hello', alice.script.shift()));
await bob.listener.dispatchTo(alice.listener, new Message('hello', bob.script.shift()));

await conversationOver;
await channel.notifyEnd(); // both streams yield the closed message and end
await streams;
for (const { listener } of [alice, bob]) await listener.remove();
console.log(`done; listeners left on the channel: ${channel.getListenerIds().length}`);
