// Registers a listener on a channel and prints its events as they stream:
// `node examples/sockets/receiver.js <channelId> [count]` — exits after `count` events if given.
import { SocketClient } from 'eric-sse';
import { SOCKET_PATH } from './config.js';

const [channelId, countArg] = process.argv.slice(2);
const option = process.argv.slice(2).find((arg) => arg.startsWith('-'));
if (option === '--help' || option === '-h') {
  console.log('Usage: node examples/sockets/receiver.js <channelId> [count]');
  process.exit(0);
}
if (!channelId || option !== undefined) {
  // No channel id, or an option this example does not have: the usage, exit 2.
  console.error(`${option === undefined ? '' : `Unknown option ${JSON.stringify(option)}\n\n`}Usage: node examples/sockets/receiver.js <channelId> [count]`);
  process.exit(2);
}
const count = countArg === undefined ? Infinity : Number(countArg);

const client = new SocketClient(SOCKET_PATH);
const listenerId = await client.register(channelId);
console.log(`receiver: registered as ${listenerId}`);
let received = 0;
for await (const line of client.stream(channelId, listenerId)) {
  const event = JSON.parse(line);
  console.log(`receiver: ${event.event} ${JSON.stringify(event.data)}`);
  received += 1;
  if (received >= count) break; // closes the connection: the server stops the listener
}
console.log(`receiver: done after ${received} event(s)`);
